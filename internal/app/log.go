package app

import (
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/rs/zerolog"
)

// NewLogger returns the console logger: one readable line per event, with
// the time, a level and the message; debug lines only with DEBUG=true.
// Duration fields show their unit ("duration=0.836ms", "wait=1.2s").
func NewLogger(w io.Writer, debug, color bool) zerolog.Logger {
	cw := zerolog.ConsoleWriter{Out: w, NoColor: !color, TimeFormat: "15:04:05", FormatPrepare: readableDurations}
	level := zerolog.InfoLevel
	if debug {
		level = zerolog.DebugLevel
	}
	return zerolog.New(cw).Level(level).With().Timestamp().Logger()
}

// durationFields are the fields the pipe logs with zerolog's Dur. Dur
// writes a bare number in zerolog.DurationFieldUnit (milliseconds), which
// the console would show without its unit ("duration=0.836213").
var durationFields = map[string]bool{"duration": true, "wait": true, "waited": true, "elapsed": true}

// readableDurations turns the duration fields' numbers into durations
// with a unit, rounded to what a reader needs.
func readableDurations(evt map[string]any) error {
	for k, v := range evt {
		if !durationFields[k] {
			continue
		}
		n, ok := v.(json.Number)
		if !ok {
			continue
		}
		f, err := n.Float64()
		if err != nil {
			continue
		}
		evt[k] = readableDuration(time.Duration(f * float64(zerolog.DurationFieldUnit)))
	}
	return nil
}

// readableDuration shows d with about three significant digits and an
// ASCII unit (the console quotes other characters): 0.836ms, 12.3ms,
// 1.204s.
func readableDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Microsecond:
		ms := float64(d) / float64(time.Millisecond)
		decimals := 3
		switch {
		case ms >= 100:
			decimals = 0
		case ms >= 10:
			decimals = 1
		case ms >= 1:
			decimals = 2
		}
		return strconv.FormatFloat(ms, 'f', decimals, 64) + "ms"
	}
	return d.String() // "0s", "500ns"
}

func sortStrings(s []string) { sort.Strings(s) }
