// Package redact removes secret values from text before it leaves the pipe
// (console, report files, Code Insights, Slack). It is the last line of
// defence: secrets are also kept out at their source (config.Secret, the
// workspace never quoting file contents, errors never carrying bodies).
package redact

import (
	"io"
	"sort"
	"strings"
	"sync"
)

// Mask replaces each secret occurrence.
const Mask = "[redacted]"

// Redactor replaces known secret values with Mask.
type Redactor struct {
	r *strings.Replacer
}

// New returns a Redactor for the given secrets; empty values are ignored.
// Longer secrets are replaced first so that a secret containing another is
// masked whole.
func New(secrets []string) *Redactor {
	uniq := map[string]bool{}
	for _, s := range secrets {
		if s != "" {
			uniq[s] = true
		}
	}
	list := make([]string, 0, len(uniq))
	for s := range uniq {
		list = append(list, s)
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	if len(list) == 0 {
		return &Redactor{}
	}
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, Mask)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// String returns s with every secret masked.
func (x *Redactor) String(s string) string {
	if x == nil || x.r == nil {
		return s
	}
	return x.r.Replace(s)
}

// Strings masks each element in place and returns the slice.
func (x *Redactor) Strings(ss []string) []string {
	for i := range ss {
		ss[i] = x.String(ss[i])
	}
	return ss
}

// Writer wraps w so that everything written through it is masked. Each
// Write is masked whole: callers write whole lines (zerolog events, fmt
// lines), so a secret never straddles two writes.
func (x *Redactor) Writer(w io.Writer) io.Writer { return &writer{x: x, w: w} }

type writer struct {
	mu sync.Mutex
	x  *Redactor
	w  io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.x == nil || w.x.r == nil {
		return w.w.Write(p)
	}
	if _, err := io.WriteString(w.w, w.x.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
