package achieve

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The state's stored form is binary, not JSON: it is read and written for
// every user of every batch of session events, and JSON's decoding was
// most of the applier's time. Version 1: varints for counts, keys and
// days (days as differences), float64 for figures, a mask of the sums
// present.
const encodingVersion = 1

// MarshalBinary encodes the state (encoding.BinaryMarshaler).
func (st *State) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 512)
	b = append(b, encodingVersion)
	b = binary.AppendUvarint(b, uint64(st.Records))
	b = binary.AppendUvarint(b, uint64(st.Challenges))
	b = binary.AppendUvarint(b, uint64(len(st.Unlocked)))
	for id, n := range st.Unlocked {
		b = appendString(b, id)
		b = binary.AppendUvarint(b, uint64(n))
	}
	b = binary.AppendUvarint(b, uint64(len(st.Sports)))
	for sport, a := range st.Sports {
		b = appendString(b, sport)
		b = a.append(b)
	}
	return b, nil
}

func (a *Aggregate) append(b []byte) []byte {
	b = a.All.append(b)
	for _, w := range []*Window{&a.Year, &a.Month, &a.Week} {
		b = binary.AppendVarint(b, int64(w.Key))
		b = w.Current.append(b)
		b = w.Best.append(b)
	}
	b = appendFloat(b, a.MaxDistanceM)
	b = appendFloat(b, a.MaxMovingTimeS)
	b = appendFloat(b, a.MaxElevationGainM)
	b = binary.AppendUvarint(b, uint64(len(a.Efforts)))
	for name, sec := range a.Efforts {
		b = appendString(b, name)
		b = appendFloat(b, sec)
	}
	b = binary.AppendUvarint(b, uint64(len(a.Days)))
	prev := 0
	for i, d := range a.Days {
		if i == 0 {
			b = binary.AppendVarint(b, int64(d))
		} else {
			b = binary.AppendUvarint(b, uint64(d-prev))
		}
		prev = d
	}
	var mask uint64
	for h, n := range a.Hours {
		if n != 0 {
			mask |= 1 << h
		}
	}
	b = binary.AppendUvarint(b, mask)
	for _, n := range a.Hours {
		if n != 0 {
			b = binary.AppendUvarint(b, uint64(n))
		}
	}
	return b
}

func (s *Sums) append(b []byte) []byte {
	fields := [...]float64{s.DistanceM, s.MovingTimeS, s.Sessions, s.ElevationGainM, s.StrengthVolumeKg}
	var mask byte
	for i, v := range fields {
		if v != 0 {
			mask |= 1 << i
		}
	}
	b = append(b, mask)
	for _, v := range fields {
		if v != 0 {
			b = appendFloat(b, v)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendFloat(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// UnmarshalBinary decodes a state MarshalBinary encoded; an empty input
// is a new state.
func (st *State) UnmarshalBinary(data []byte) error {
	*st = *NewState()
	if len(data) == 0 {
		return nil
	}
	r := &reader{b: data}
	if v := r.byte(); v != encodingVersion {
		return fmt.Errorf("achieve: state encoding %d unknown", v)
	}
	st.Records, st.Challenges = int(r.uvarint()), int(r.uvarint())
	for n := r.count(); n > 0 && r.err == nil; n-- {
		id := r.string()
		st.Unlocked[id] = int(r.uvarint())
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		sport := r.string()
		a := &Aggregate{}
		a.read(r)
		st.Sports[sport] = a
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return fmt.Errorf("achieve: decode state: %w", r.err)
	}
	return nil
}

func (a *Aggregate) read(r *reader) {
	a.All.read(r)
	for _, w := range []*Window{&a.Year, &a.Month, &a.Week} {
		w.Key = int(r.varint())
		w.Current.read(r)
		w.Best.read(r)
	}
	a.MaxDistanceM, a.MaxMovingTimeS, a.MaxElevationGainM = r.float(), r.float(), r.float()
	if n := r.count(); n > 0 {
		a.Efforts = make(map[string]float64, n)
		for ; n > 0 && r.err == nil; n-- {
			name := r.string()
			a.Efforts[name] = r.float()
		}
	}
	if n := r.count(); n > 0 {
		a.Days = make([]int, n)
		for i := range a.Days {
			if i == 0 {
				a.Days[i] = int(r.varint())
			} else {
				a.Days[i] = a.Days[i-1] + int(r.uvarint())
			}
		}
	}
	mask := r.uvarint()
	for h := range a.Hours {
		if mask&(1<<h) != 0 {
			a.Hours[h] = int(r.uvarint())
		}
	}
}

func (s *Sums) read(r *reader) {
	mask := r.byte()
	for i, f := range [...]*float64{&s.DistanceM, &s.MovingTimeS, &s.Sessions, &s.ElevationGainM, &s.StrengthVolumeKg} {
		if mask&(1<<i) != 0 {
			*f = r.float()
		}
	}
}

// reader reads what the append functions wrote; its first error sticks
// (reads after it return zeros).
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("truncated %s", what)
	}
	r.b = nil
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.fail("byte")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count is a length: at most what the remaining bytes could hold.
func (r *reader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("list")
		return 0
	}
	return int(n)
}

func (r *reader) float() float64 {
	if len(r.b) < 8 {
		r.fail("figure")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *reader) string() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
