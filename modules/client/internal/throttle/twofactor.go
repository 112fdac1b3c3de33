package throttle

import (
	"fmt"
	"time"
)

// Second factors are throttled like passwords, on counters of their own
// (a wrong code says nothing about the password, which was right), keyed
// by the user (whose password is known by then) rather than the email:
//
//   - per account and address: 5 wrong codes in 15 minutes lock the pair,
//     1 minute at first, doubling, at most 15 minutes;
//   - per address: 30 in 15 minutes lock the address for 15 minutes;
//   - per account from any address: 10 in a day lock the account's second
//     factor on unknown devices for 1 minute, doubling, at most an hour.
//     A code has 10^6 values and three are good at any time (one step of
//     skew each way), so this bounds a guesser who has the password to
//     about 40 tries a day: 0.01 % a day. Only someone who knows the
//     password can put this lock on.
//   - a device the account knows (its device token, given at the password
//     step) counts on its own, as for passwords: 5 in 15 minutes, 1 to 15
//     minutes, and strangers' failures never lock it.
//
// A right code clears the pair's (or the device's) counter.
var (
	SecondFactorAccountIP = Rule{Policy: "2fa-account-address", Threshold: 5, Window: 15 * time.Minute, FirstLock: time.Minute, MaxLock: 15 * time.Minute}
	SecondFactorIP        = Rule{Policy: "2fa-address", Threshold: 30, Window: 15 * time.Minute, FirstLock: 15 * time.Minute, MaxLock: 15 * time.Minute}
	SecondFactorAccount   = Rule{Policy: "2fa-account", Threshold: 10, Window: 24 * time.Hour, FirstLock: time.Minute, MaxLock: time.Hour}
	SecondFactorDevice    = Rule{Policy: "2fa-device", Threshold: 5, Window: 15 * time.Minute, FirstLock: time.Minute, MaxLock: 15 * time.Minute}
)

// SecondFactorKeys are the counters of a second factor of user (its id)
// from ip; the first is the one a success clears.
func SecondFactorKeys(user, ip string) []Key {
	return []Key{
		{Name: "2fa-acct-ip:" + user + "|" + ip, Rule: SecondFactorAccountIP},
		{Name: "2fa-ip:" + ip, Rule: SecondFactorIP},
		{Name: "2fa-acct:" + user, Rule: SecondFactorAccount},
	}
}

// SecondFactorDeviceKeys are the counters of a second factor from a device
// the account knows (by the hash of its device token).
func SecondFactorDeviceKeys(deviceHash []byte) []Key {
	return []Key{{Name: fmt.Sprintf("2fa-dev:%x", deviceHash), Rule: SecondFactorDevice}}
}

// SecondFactorAddressKeys is the counter of challenges that do not exist
// presented from ip (nobody's account to count them on).
func SecondFactorAddressKeys(ip string) []Key {
	return []Key{{Name: "2fa-ip:" + ip, Rule: SecondFactorIP}}
}
