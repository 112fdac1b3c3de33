// Package chat is the group chat's rules, plain Go: what a message's text
// may be, a client transaction id, a reaction, and how a history page is
// asked for (anchors, limits). It imports the standard library, uniseg
// and internal/kit only.
//
// Message text is data: it is kept and returned exactly as sent (a JSON
// string; no HTML, no markup the server renders or strips), so a client
// must show it as text, never interpret it as markup.
package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// MaxTextChars is the most characters (Unicode code points) a message
// may have.
const MaxTextChars = 4000

// CheckText checks a message's text: valid UTF-8 of 1 to MaxTextChars
// characters, not only white space, with no control characters other than
// line feed and tab. field names it in the error.
func CheckText(field, text string) error {
	if !utf8.ValidString(text) {
		return fielderr.New(field, "is not valid UTF-8")
	}
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return fielderr.New(field, "must not be empty")
	case n > MaxTextChars:
		return fielderr.New(field, "has %d characters: at most %d", n, MaxTextChars)
	}
	blank := true
	for i, r := range text {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return fielderr.New(field, "has a control character (U+%04X) at byte %d: only line feed and tab are allowed", r, i)
		}
		if !unicode.IsSpace(r) {
			blank = false
		}
	}
	if blank {
		return fielderr.New(field, "must not be only white space")
	}
	return nil
}

// MaxTxnIDLen bounds a client transaction id.
const MaxTxnIDLen = 64

// CheckTxnID checks a client transaction id (Matrix's txnId, Discord's
// nonce): 1 to MaxTxnIDLen printable ASCII characters without spaces.
// The empty id means none.
func CheckTxnID(field, id string) error {
	if id == "" {
		return nil
	}
	if len(id) > MaxTxnIDLen {
		return fielderr.New(field, "is %d bytes long: at most %d", len(id), MaxTxnIDLen)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return fielderr.New(field, "must be printable ASCII without spaces")
		}
	}
	return nil
}

// Reactions are bounded: at most MaxEmojiPerMessage different emoji on a
// message (each user may add each once), and an emoji is at most
// MaxEmojiBytes long.
const (
	MaxEmojiPerMessage = 20
	MaxEmojiBytes      = 32
)

// CheckEmoji checks a reaction: exactly one emoji (one grapheme cluster
// that is an emoji: a pictograph, with skin tone, ZWJ sequence or
// variation selector, a flag, or a keycap).
func CheckEmoji(field, e string) error {
	if e == "" {
		return fielderr.New(field, "must not be empty")
	}
	if len(e) > MaxEmojiBytes || !utf8.ValidString(e) {
		return fielderr.New(field, "must be one emoji")
	}
	if uniseg.GraphemeClusterCount(e) != 1 {
		return fielderr.New(field, "must be one emoji, not %d characters", uniseg.GraphemeClusterCount(e))
	}
	r, _ := utf8.DecodeRuneInString(e)
	if !isEmojiStart(r, e) {
		return fielderr.New(field, "must be an emoji")
	}
	return nil
}

// isEmojiStart reports whether an emoji grapheme starts with r: a
// pictograph (Extended_Pictographic ranges), a regional indicator (flags)
// or a keycap base followed by U+20E3.
func isEmojiStart(r rune, cluster string) bool {
	switch {
	case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators: flags
		return utf8.RuneCountInString(cluster) == 2
	case r == '#' || r == '*' || (r >= '0' && r <= '9'):
		return strings.HasSuffix(cluster, "\u20E3")
	case r >= 0x1F000 && r <= 0x1FAFF, // mahjong to symbols and pictographs extended-A
		r >= 0x2600 && r <= 0x27BF, // miscellaneous symbols, dingbats
		r >= 0x2300 && r <= 0x23FF, // miscellaneous technical (⌚ ⏰ …)
		r >= 0x2B00 && r <= 0x2BFF, // arrows, ⭐ ⬛
		r >= 0x2190 && r <= 0x21FF, // arrows
		r == 0x00A9, r == 0x00AE, r == 0x203C, r == 0x2049, r == 0x2122, r == 0x2139,
		r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299:
		return true
	}
	return false
}
