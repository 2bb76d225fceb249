// Package workspace reads a tenant repository into the desired state, and
// validates it offline: every problem is found and reported at once, with
// file, line and column where there is one. It never touches the network.
//
// Two layouts are read: the layout of Auth0's Bitbucket Deployments
// extension (rules/, rules-configs/, database-connections/, pages/,
// actions/; docs/repository-layout.md) and auth0-deploy-cli's directory
// format (the same folders with its JSON shapes, plus triggers/;
// docs/a0deploy.md). Both map onto the same model.Desired; Options.Layout
// picks one or lets the files decide (layout.go).
package workspace

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/keywords"
)

// DefaultMaxFileSize bounds any one file when Options.MaxFileSize is 0:
// 128 KiB, the 100 KB Auth0 accepts for a page template or script plus a
// margin, so that a file Auth0 would take is never refused here.
const DefaultMaxFileSize = 128 << 10

// Bounds that keep a hostile repository from exhausting memory.
const (
	// MaxEntries bounds the files and folders read under BASE_DIR.
	MaxEntries = 20000
	// MaxTotalBytes bounds the bytes read from all files together.
	MaxTotalBytes = 64 << 20
)

// Options say how to read a repository.
type Options struct {
	// PathPrefix is BASE_DIR relative to the repository root ("" for "."); every
	// path in problems and model.Source values is path.Join(PathPrefix, rel), slash-separated.
	PathPrefix string
	// Mappings are AUTH0_KEYWORD_REPLACE_MAPPINGS, already JSON-decoded (values: string, number, bool, object, array, null).
	Mappings map[string]any
	// ManualRules and ManualActions are MANUAL_RULES and MANUAL_ACTIONS.
	ManualRules, ManualActions []string
	// LookupEnv finds an action secret's value in the environment when the mappings do not have it (nil = none).
	LookupEnv func(string) (string, bool)
	// RequireSecretValues: true in plan/deploy (a secret without a value is an error), false in validate (a warning).
	RequireSecretValues bool
	// Ignore lists top-level entries of BASE_DIR to skip silently (the
	// pipe's own REPORT_DIR when it lies there).
	Ignore []string
	// MaxFileSize bounds any one file (default 100 KiB + a margin; Auth0 caps a Universal Login template at 100 KB); larger files are problems.
	MaxFileSize int64
	// Layout is LAYOUT: "auto" (also when empty) reads the repository in
	// the layout its files are written in, "extension" or "a0deploy"
	// reads it in that one (see layout.go).
	Layout string
}

// The folders this reader manages, in report order.
const (
	dirRules        = "rules"
	dirRulesConfigs = "rules-configs"
	dirDatabases    = "database-connections"
	dirPages        = "pages"
	dirActions      = "actions"
	// dirTriggers is auth0-deploy-cli's trigger bindings folder.
	dirTriggers = "triggers"
)

var managedDirs = []string{dirRules, dirRulesConfigs, dirDatabases, dirPages, dirActions}

type limits struct {
	maxFileSize   int64
	maxEntries    int
	maxTotalBytes int64
}

type reader struct {
	fsys   fs.FS
	opts   Options
	prefix string
	limits limits
	maps   *keywords.Mappings

	manualRules, manualActions map[string]bool

	// refs holds the files (relative to BASE_DIR) that auth0-deploy-cli
	// metadata names by path: they are read through that metadata, not
	// reported as stray files.
	refs map[string]bool
	// pending are checks that run once every folder has been read.
	pending []func()

	ps         model.Problems
	entries    int
	totalBytes int64
	// stopped is set when a bound is reached: nothing more is read.
	stopped bool
}

// Read reads the repository tree rooted at BASE_DIR (fsys) into the desired state and every problem found, sorted (model.Problems.Sort). It never panics and never touches the network.
// desired.Layout says which layout was read; it is "" (and nothing is managed) when the layout could not be decided, which is always reported as an error.
func Read(fsys fs.FS, opts Options) (desired *model.Desired, problems model.Problems) {
	return read(fsys, opts, limits{maxEntries: MaxEntries, maxTotalBytes: MaxTotalBytes})
}

func read(fsys fs.FS, opts Options, lim limits) (desired *model.Desired, problems model.Problems) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	lim.maxFileSize = opts.MaxFileSize
	r := &reader{fsys: fsys, opts: opts, prefix: cleanPrefix(opts.PathPrefix), limits: lim,
		manualRules: set(opts.ManualRules), manualActions: set(opts.ManualActions), refs: map[string]bool{}}
	desired = &model.Desired{}
	defer func() {
		if v := recover(); v != nil {
			// The value is not shown: it could hold file contents.
			r.errorf(".", 0, 0, "internal error while reading the repository (%T); please report it", v)
			problems = r.ps
			problems.Sort()
		}
	}()
	maps, err := keywords.New(opts.Mappings)
	if err != nil {
		r.errorf("", 0, 0, "AUTH0_KEYWORD_REPLACE_MAPPINGS: %v", err)
	}
	r.maps = maps
	switch desired.Layout = r.chooseLayout(); desired.Layout {
	case LayoutExtension:
		r.readRoot(desired)
	case LayoutA0Deploy:
		r.readRootA0(desired)
	}
	problems = r.ps
	problems.Sort()
	return desired, problems
}

func cleanPrefix(p string) string {
	p = strings.Trim(strings.ReplaceAll(p, `\`, "/"), "/")
	if p = path.Clean(p); p == "." {
		return ""
	}
	return p
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}

// path returns the repository-relative path of rel for problems and sources.
func (r *reader) path(rel string) string {
	if rel == "" {
		return ""
	}
	return displayPath(path.Join(r.prefix, rel))
}

func (r *reader) source(rel string) model.Source { return model.Source{Path: r.path(rel)} }

func (r *reader) errorf(rel string, line, col int, format string, args ...any) {
	r.ps.Errorf(r.path(rel), line, col, format, args...)
}

func (r *reader) warnf(rel string, line, col int, format string, args ...any) {
	r.ps.Warnf(r.path(rel), line, col, format, args...)
}

// readRoot reads the top level of BASE_DIR.
func (r *reader) readRoot(d *model.Desired) {
	root, ok := r.listRoot(managedDirs)
	if !ok {
		return
	}
	found := false
	for _, e := range root {
		if !contains(managedDirs, e.name) {
			if !isFurniture(e) {
				r.warnf(e.rel, 0, 0, "not managed by this pipe%s", caseHint(e.name, managedDirs))
			}
			continue
		}
		found = true
		if e.bad {
			continue
		}
		if e.kind != kindDir {
			r.errorf(e.rel, 0, 0, "must be a folder")
			continue
		}
		switch e.name {
		case dirRules:
			r.readRules(d)
		case dirRulesConfigs:
			r.readRulesConfigs(d)
		case dirDatabases:
			r.readDatabases(d)
		case dirPages:
			r.readPages(d)
		case dirActions:
			r.readActions(d)
		}
	}
	if !found && !r.stopped {
		r.warnf(".", 0, 0, "none of the folders %s/ is here: nothing to deploy (is BASE_DIR right?)", strings.Join(managedDirs, "/, "))
	}
}

// isFurniture reports whether a top-level entry is repository furniture
// that is ignored without a word, whatever it is (file, folder, symbolic
// link, even a dangling one): README*, LICENSE*, *.md and the pipeline
// definition (dot-files never reach here).
func isFurniture(e entry) bool {
	upper := strings.ToUpper(e.name)
	return strings.HasPrefix(upper, "README") || strings.HasPrefix(upper, "LICENSE") || strings.HasPrefix(upper, "LICENCE") ||
		strings.HasSuffix(upper, ".MD") || e.name == "bitbucket-pipelines.yml"
}

// caseHint suggests the expected name when name matches one of want except
// for letter case.
func caseHint(name string, want []string) string {
	for _, w := range want {
		if strings.EqualFold(name, w) {
			return fmt.Sprintf(" (names are case-sensitive: did you mean %s?)", w)
		}
	}
	return ""
}

// splitExt splits "name.ext" at the last dot; ext keeps the dot.
func splitExt(file string) (name, ext string) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return file, ""
	}
	return file[:i], file[i:]
}

// badExtCase reports a known extension written in another letter case
// (rules/a.JS): an error, because skipping the file would make a full
// deployment delete the item.
func (r *reader) badExtCase(e entry, ext string, known ...string) bool {
	for _, k := range known {
		if ext != k && strings.EqualFold(ext, k) {
			r.errorf(e.rel, 0, 0, "file extension must be lower case (%s)", k)
			return true
		}
	}
	return false
}
