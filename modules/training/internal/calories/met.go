package calories

// MET values come from the 2011 Compendium of Physical Activities:
// Ainsworth BE, Haskell WL, Herrmann SD, et al. "2011 Compendium of
// Physical Activities: a second update of codes and MET values", Med Sci
// Sports Exerc 43(8):1575-81. Each value below names its Compendium code.
// One MET is taken as 1 kcal per kg of body weight per hour.

// mph is a mile per hour in m/s: the Compendium gives speeds in mph.
const mph = 0.44704

// band is a MET value that holds from a speed on (up to the next band's).
type band struct {
	fromMph float64
	met     float64
}

// running is the Compendium's running by speed; a speed between two listed
// ones takes the lower one's value.
var running = []band{
	{0, 6.0},    // 12029 running, 4 mph (15 min/mile), and slower
	{5, 8.3},    // 12030 running, 5 mph (12 min/mile)
	{5.2, 9.0},  // 12040 running, 5.2 mph (11.5 min/mile)
	{6, 9.8},    // 12050 running, 6 mph (10 min/mile)
	{6.7, 10.5}, // 12060 running, 6.7 mph (9 min/mile)
	{7, 11.0},   // 12070 running, 7 mph (8.5 min/mile)
	{7.5, 11.8}, // 12080 running, 7.5 mph (8 min/mile); 12090, 8 mph, is 11.8 too
	{8.6, 12.3}, // 12100 running, 8.6 mph (7 min/mile)
	{9, 12.8},   // 12110 running, 9 mph (6.5 min/mile)
	{10, 14.5},  // 12120 running, 10 mph (6 min/mile)
	{11, 16.0},  // 12130 running, 11 mph (5.5 min/mile)
	{12, 19.0},  // 12132 running, 12 mph (5 min/mile)
	{13, 19.8},  // 12134 running, 13 mph (4.6 min/mile)
	{14, 23.0},  // 12135 running, 14 mph (4.3 min/mile)
}

// cycling is the Compendium's road cycling by speed.
var cycling = []band{
	{0, 4.0},   // 01010 bicycling, <10 mph, leisure
	{10, 6.8},  // 01020 bicycling, 10-11.9 mph, leisure, slow, light effort
	{12, 8.0},  // 01030 bicycling, 12-13.9 mph, leisure, moderate effort
	{14, 10.0}, // 01040 bicycling, 14-15.9 mph, racing or leisure, fast, vigorous effort
	{16, 12.0}, // 01050 bicycling, 16-19 mph, racing/not drafting
	{20, 15.8}, // 01060 bicycling, > 20 mph, racing, not drafting
}

// walking is the Compendium's walking on level, firm ground by speed.
var walking = []band{
	{0, 2.0},   // 17151 walking, less than 2.0 mph, level, strolling, very slow
	{2, 2.8},   // 17152 walking, 2.0 mph, level, slow pace, firm surface
	{2.5, 3.0}, // 17170 walking, 2.5 mph, level, firm surface
	{2.8, 3.5}, // 17190 walking, 2.8 to 3.2 mph, level, moderate pace, firm surface
	{3.5, 4.3}, // 17200 walking, 3.5 mph, level, brisk, firm surface
	{4, 5.0},   // 17220 walking, 4.0 mph, level, firm surface, very brisk pace
	{4.5, 7.0}, // 17230 walking, 4.5 mph, level, firm surface, very, very brisk
	{5, 8.3},   // 17231 walking, 5.0 mph, level, firm surface
}

// ydPerMin is a yard per minute in mph: the Compendium gives swimming
// speeds in yards per minute.
const ydPerMin = 0.9144 / 60 / mph

// swimming is the Compendium's front crawl by speed.
var swimming = []band{
	{0, 5.8},              // 18240 swimming laps, freestyle, front crawl, slow, light or moderate effort
	{50 * ydPerMin, 8.3},  // 18290 swimming, crawl, medium speed, ~50 yards/minute
	{75 * ydPerMin, 10.0}, // 18280 swimming, crawl, fast speed, ~75 yards/minute
}

// Values for sports without speed bands, or with an unknown speed.
const (
	metRun          = 8.0 // 12150 running (general)
	metTrailRun     = 9.0 // 12140 running, cross country
	metWalk         = 3.5 // 17160 walking for pleasure
	metHike         = 6.0 // 17080 hiking, cross country
	metRide         = 7.5 // 01015 bicycling, general
	metMountainBike = 8.5 // 01009 bicycling, mountain, general
	metSwim         = 6.0 // 18300 swimming, lake, ocean, river
	metRow          = 7.0 // 02072 rowing, stationary, 100 watts, moderate effort
	metSki          = 7.0 // 19075 skiing, general
	metStrength     = 3.5 // 02054 resistance (weight) training, multiple exercises, 8-15 repetitions
	metYoga         = 2.5 // 02150 yoga, Hatha
	metOther        = 4.0 // no Compendium code: a moderate activity
)

// MET is the MET value of sport at an average moving speed in m/s (0 when
// unknown). Choices where the Compendium offers several values:
//   - trail_run takes the running value at its speed, but never less than
//     running, cross country (9.0): the same speed costs more off-road.
//   - mountain_bike is 8.5 whatever the speed, which says little off-road.
//   - row is 7.0, moderate rowing: the Compendium's on-water speeds are a
//     canoe's (18040-18060), which a rowing shell's speed would misread.
//   - ski is skiing, general (7.0): "ski" covers both downhill, 4.3-8.0,
//     and cross-country, 6.8-15.0, and the GPS speed does not tell them apart.
//   - swim uses the front crawl's speeds, or 6.0 without a distance.
func MET(sport string, speedMps float64) float64 {
	known := speedMps > 0 && speedMps < 100
	pick := func(bands []band, unknown float64) float64 {
		if !known {
			return unknown
		}
		return lookup(bands, speedMps/mph)
	}
	switch sport {
	case "run":
		return pick(running, metRun)
	case "trail_run":
		return max(pick(running, metTrailRun), metTrailRun)
	case "walk":
		return pick(walking, metWalk)
	case "hike":
		return metHike
	case "ride":
		return pick(cycling, metRide)
	case "mountain_bike":
		return metMountainBike
	case "swim":
		return pick(swimming, metSwim)
	case "row":
		return metRow
	case "ski":
		return metSki
	case "strength":
		return metStrength
	case "yoga":
		return metYoga
	default:
		return metOther
	}
}

func lookup(bands []band, speedMph float64) float64 {
	met := bands[0].met
	for _, b := range bands {
		if speedMph < b.fromMph {
			break
		}
		met = b.met
	}
	return met
}
