package plan

import (
	"fmt"
	"io"
	"strings"
)

// Render writes the plan for people and for golden files: every item with
// its decision and reason, then the writes in execution order with what
// each waits for. It never prints a secret value: items carry names and
// reasons only, and writes are rendered by their descriptions.
func Render(w io.Writer, p *Plan) {
	for _, prob := range p.Problems {
		fmt.Fprintln(w, prob.String())
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, it := range p.Items {
		line := fmt.Sprintf("%-9s %-16s %s", it.Op, it.Kind, it.Name)
		if it.Reason != "" {
			line += ": " + it.Reason
		}
		if it.Source.Path != "" {
			line += " [" + it.Source.Path + "]"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if len(p.Writes) > 0 {
		fmt.Fprintln(w, "writes:")
	}
	for _, wr := range p.Writes {
		line := fmt.Sprintf("  %d. %s", wr.ID, wr.Desc)
		if len(wr.After) > 0 {
			ids := make([]string, len(wr.After))
			for i, a := range wr.After {
				ids[i] = fmt.Sprint(a)
			}
			line += " (after " + strings.Join(ids, ", ") + ")"
		}
		if wr.Delete {
			line += " (last)"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "%d pending change(s), %d write(s)\n", p.Pending(), len(p.Writes))
}
