package redact

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactor(t *testing.T) {
	x := New([]string{"abc", "abcdef", ""})
	assert.Equal(t, "[redacted] and [redacted]", x.String("abcdef and abc"), "the longer secret is masked whole")
	var buf bytes.Buffer
	w := x.Writer(&buf)
	n, err := fmt.Fprintf(w, "token=abcdef\n")
	assert.NoError(t, err)
	assert.Equal(t, len("token=abcdef\n"), n)
	assert.Equal(t, "token=[redacted]\n", buf.String())
	assert.Equal(t, "nothing", New(nil).String("nothing"))
	var nilx *Redactor
	assert.Equal(t, "x", nilx.String("x"))
}
