package app

import (
	"io"
	"sort"

	"github.com/rs/zerolog"
)

// NewLogger returns the console logger: one readable line per event, with
// the time, a level and the message; debug lines only with DEBUG=true.
func NewLogger(w io.Writer, debug, color bool) zerolog.Logger {
	cw := zerolog.ConsoleWriter{Out: w, NoColor: !color, TimeFormat: "15:04:05"}
	level := zerolog.InfoLevel
	if debug {
		level = zerolog.DebugLevel
	}
	return zerolog.New(cw).Level(level).With().Timestamp().Logger()
}

func sortStrings(s []string) { sort.Strings(s) }
