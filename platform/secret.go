package platform

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SecretKey is the process's key-encryption key (see Config.SecretKeyFile).
type SecretKey []byte

// SecretKeyPath is the file of the secret key: Config.SecretKeyFile, or
// <DataDir>/secret.key.
func SecretKeyPath(cfg *Config) string {
	if cfg.SecretKeyFile != "" {
		return cfg.SecretKeyFile
	}
	return filepath.Join(cfg.DataDir, "secret.key")
}

// LoadSecretKey reads the key-encryption key, creating it (mode 0600) when
// the default file does not exist yet. A configured file must exist.
func LoadSecretKey(cfg *Config) (SecretKey, error) {
	path := SecretKeyPath(cfg)
	key, err := ReadSecretKey(path)
	if errors.Is(err, os.ErrNotExist) && cfg.SecretKeyFile == "" {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("secret key: write %s: %w", path, err)
		}
		return key, nil
	}
	return key, err
}

// ReadSecretKey reads the key-encryption key from path, which must exist
// (the error wraps os.ErrNotExist when it does not) and hold 64 hex digits.
func ReadSecretKey(path string) (SecretKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: read %s: %w", path, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("secret key: %s must hold 64 hex digits (32 bytes)", path)
	}
	return key, nil
}
