package workspace

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// entryKind is what a directory entry is, after following a symbolic link.
type entryKind int

const (
	kindFile entryKind = iota
	kindDir
	kindOther
	// kindLink is a symbolic link that was neither followed nor checked:
	// a top-level entry of BASE_DIR that is not a managed folder.
	kindLink
)

// entry is one child of a listed folder.
type entry struct {
	name string
	// rel is the entry's path relative to BASE_DIR.
	rel  string
	kind entryKind
	// real is the path to read: rel, or where a symbolic link leads.
	real string
	size int64
	// bad is true when a problem about the entry was already reported;
	// it still counts as present (so that its pair file does not get a
	// second, misleading problem) but is not read.
	bad bool
	// notDeployed marks a file that is read and checked but never sent
	// to the tenant (a manual rule's or action's code).
	notDeployed bool
}

// list reads the folder dir (relative to BASE_DIR), a managed folder or
// one inside it, and returns its entries sorted by name, leaving out
// hidden entries (names starting with "."; each is a warning, except
// quietDotFiles). It reports unreadable entries, symbolic links that cannot
// be followed, special files and names that differ only in letter case. ok
// is false when the folder cannot be read.
func (r *reader) list(dir string) (entries []entry, ok bool) {
	return r.listDir(dir, nil)
}

// listRoot lists the top level of BASE_DIR, where the folders named in
// managed are read. Those entries are checked as list checks them, except
// that a managed folder may be a symbolic link to a folder inside BASE_DIR.
// Every other entry is only named, and nothing about it is a problem here:
// a symbolic link is neither followed nor checked (kindLink), a special
// file is kindOther; the caller decides whether it deserves a warning. Only
// names that differ in letter case from a managed folder's are errors.
// Entries listed in Options.Ignore and hidden entries are left out
// silently.
func (r *reader) listRoot(managed []string) (entries []entry, ok bool) {
	if managed == nil {
		managed = []string{}
	}
	return r.listDir(".", managed)
}

// listDir implements list (managed == nil) and listRoot.
func (r *reader) listDir(dir string, managed []string) (entries []entry, ok bool) {
	if r.stopped {
		return nil, false
	}
	raw, err := r.readDir(dir)
	if err != nil {
		r.errorf(dir, 0, 0, "cannot read folder: %s", describeFSError(err))
		return nil, false
	}
	root := managed != nil
	var out []entry
	for _, de := range raw {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			// At the top level: .git/, .gitignore, .env ... are the
			// repository's, not the pipe's. Inside a managed folder a
			// hidden file is no item: say so, except for the furniture
			// that keeps an empty folder in git or that macOS leaves.
			if !root && !quietDotFiles[name] {
				r.warnf(path.Join(dir, name), 0, 0, "hidden %s (its name starts with \".\"): not read", describeDirEntry(de))
			}
			continue
		}
		if root && contains(r.opts.Ignore, name) {
			continue
		}
		unmanaged := root && !contains(managed, name)
		e := entry{name: name, rel: path.Join(dir, name)}
		e.real = e.rel
		switch t := de.Type(); {
		case t&fs.ModeSymlink != 0 && unmanaged:
			e.kind = kindLink
		case t&fs.ModeSymlink != 0:
			r.follow(&e, root)
		case t.IsDir():
			e.kind = kindDir
		case t.IsRegular():
			e.kind = kindFile
			e.size = -1 // unknown: the read is bounded anyway
			if info, err := de.Info(); err == nil {
				e.size = info.Size()
			}
		case unmanaged:
			e.kind = kindOther
		default:
			e.kind = kindOther
			e.bad = true
			r.errorf(e.rel, 0, 0, "not a regular file or folder (%s)", t.Type().String())
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	r.reportCaseCollisions(out, managed)
	return out, true
}

// quietDotFiles are the hidden files inside managed folders that are
// skipped without a word: .gitkeep and .keep are how an empty folder (an
// empty rules/ means "no rules") is kept in git; macOS leaves .DS_Store
// everywhere.
var quietDotFiles = map[string]bool{".gitkeep": true, ".keep": true, ".DS_Store": true}

// describeDirEntry says "folder" or "file" (a symbolic link is not
// followed to tell).
func describeDirEntry(de fs.DirEntry) string {
	if de.Type().IsDir() {
		return "folder"
	}
	return "file"
}

// children lists dir for the readers of each folder (see list).
func (r *reader) children(dir string) []entry {
	out, _ := r.list(dir)
	return out
}

// readDir lists a folder, reading at most the remaining entry budget.
func (r *reader) readDir(dir string) ([]fs.DirEntry, error) {
	f, err := r.fsys.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var all []fs.DirEntry
	if rd, ok := f.(fs.ReadDirFile); ok {
		for {
			batch, err := rd.ReadDir(256)
			all = append(all, batch...)
			if r.entries+len(all) > r.limits.maxEntries {
				break
			}
			if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
				break
			}
			if err != nil {
				return nil, err
			}
		}
	} else {
		if all, err = fs.ReadDir(r.fsys, dir); err != nil {
			return nil, err
		}
	}
	r.entries += len(all)
	if r.entries > r.limits.maxEntries {
		r.stopped = true
		r.errorf(".", 0, 0, "more than %d files and folders under BASE_DIR: stopped reading (is BASE_DIR right?)", r.limits.maxEntries)
		keep := max(len(all)-(r.entries-r.limits.maxEntries), 0)
		all = all[:keep]
	}
	return all, nil
}

// follow resolves the symbolic link e. A link is followed only when it and
// every link on its way stay inside BASE_DIR and it leads to a regular file,
// or, when dirOK (a managed folder at the top level), to a folder; anything
// else is an error, because skipping the file would make a full deployment
// delete the item it describes.
func (r *reader) follow(e *entry, dirOK bool) {
	e.bad = true
	e.kind = kindOther
	if _, ok := r.fsys.(fs.ReadLinkFS); !ok {
		r.errorf(e.rel, 0, 0, "symbolic link cannot be checked on this file system: not read")
		return
	}
	hops := 0
	real, info, msg := r.resolve(e.rel, &hops)
	if msg == msgNotExist && dirOK {
		msg = "leads to a folder that does not exist"
	}
	if msg != "" {
		r.errorf(e.rel, 0, 0, "symbolic link %s: not read", msg)
		return
	}
	switch {
	case info.IsDir() && dirOK:
		e.kind, e.real, e.bad = kindDir, real, false
	case info.IsDir():
		e.kind = kindDir
		r.errorf(e.rel, 0, 0, "symbolic link to a folder: not followed (commit the folder itself)")
	case info.Mode().IsRegular():
		e.kind, e.real, e.size, e.bad = kindFile, real, info.Size(), false
	default:
		r.errorf(e.rel, 0, 0, "symbolic link to something that is not a regular file: not read")
	}
}

// msgNotExist is resolve's message for a path that leads nowhere.
const msgNotExist = "leads to a file that does not exist"

// maxLinkHops bounds the symbolic links followed for one path.
const maxLinkHops = 16

// resolve returns the path of p with every symbolic link resolved, and its
// FileInfo; msg says why it cannot be (and is "" when it can).
func (r *reader) resolve(p string, hops *int) (real string, info fs.FileInfo, msg string) {
	cur := "."
	parts := strings.Split(p, "/")
	for i, part := range parts {
		next := path.Join(cur, part)
		fi, err := fs.Lstat(r.fsys, next)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", nil, msgNotExist
			}
			return "", nil, "cannot be read (" + describeFSError(err) + ")"
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			*hops++
			if *hops > maxLinkHops {
				return "", nil, fmt.Sprintf("chain is longer than %d links (a loop?)", maxLinkHops)
			}
			dest, err := fs.ReadLink(r.fsys, next)
			if err != nil {
				return "", nil, "cannot be read (" + describeFSError(err) + ")"
			}
			if strings.HasPrefix(dest, "/") || strings.HasPrefix(dest, `\`) || (len(dest) > 1 && dest[1] == ':') {
				return "", nil, "points outside BASE_DIR (absolute target)"
			}
			joined := path.Join(cur, dest)
			if joined == ".." || strings.HasPrefix(joined, "../") {
				return "", nil, "points outside BASE_DIR"
			}
			next, fi, msg = r.resolve(joined, hops)
			if msg != "" {
				return "", nil, msg
			}
		}
		if i < len(parts)-1 && !fi.IsDir() {
			return "", nil, msgNotExist
		}
		cur, info = next, fi
	}
	return cur, info, ""
}

// reportCaseCollisions reports entries whose names differ only in letter
// case: such a repository cannot be checked out on macOS or Windows, and
// Auth0 may treat the names as one. At the top level (managed != nil) only
// collisions with a managed folder's name matter: which of the two would
// be read?
func (r *reader) reportCaseCollisions(entries []entry, managed []string) {
	groups := map[string][]int{}
	for i, e := range entries {
		k := strings.ToLower(e.name)
		groups[k] = append(groups[k], i)
	}
	for _, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		if managed != nil && !anyManaged(entries, idx, managed) {
			continue
		}
		for _, i := range idx {
			var others []string
			for _, j := range idx {
				if j != i {
					others = append(others, r.path(entries[j].rel))
				}
			}
			r.errorf(entries[i].rel, 0, 0, "name differs only in letter case from %s", strings.Join(others, ", "))
		}
	}
}

func anyManaged(entries []entry, idx []int, managed []string) bool {
	for _, i := range idx {
		if contains(managed, entries[i].name) {
			return true
		}
	}
	return false
}

// readText reads the file e as UTF-8 text: within the size bounds, without
// NUL bytes, a leading byte-order mark removed. It reports why not and
// returns false.
func (r *reader) readText(e entry) (string, bool) {
	if e.bad || r.stopped {
		return "", false
	}
	limit := r.limits.maxFileSize
	if e.size > limit {
		r.errorf(e.rel, 0, 0, "file is too large (%d bytes; the limit is %d bytes)", e.size, limit)
		return "", false
	}
	f, err := r.fsys.Open(e.real)
	if err != nil {
		r.errorf(e.rel, 0, 0, "cannot read file: %s", describeFSError(err))
		return "", false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		r.errorf(e.rel, 0, 0, "cannot read file: %s", describeFSError(err))
		return "", false
	}
	if int64(len(data)) > limit {
		r.errorf(e.rel, 0, 0, "file is too large (more than %d bytes; the limit is %d bytes)", limit, limit)
		return "", false
	}
	r.totalBytes += int64(len(data))
	if r.totalBytes > r.limits.maxTotalBytes {
		r.stopped = true
		r.errorf(".", 0, 0, "the files under BASE_DIR exceed %d bytes in total: stopped reading", r.limits.maxTotalBytes)
		return "", false
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	if i := strings.IndexByte(text, 0); i >= 0 {
		line, col := lineCol(text, i)
		r.errorf(e.rel, line, col, "NUL byte: not a text file")
		return "", false
	}
	if !utf8.ValidString(text) {
		i := firstInvalidUTF8(text)
		line, col := lineCol(text, i)
		r.errorf(e.rel, line, col, "invalid UTF-8: files must be UTF-8 text")
		return "", false
	}
	return text, true
}

func firstInvalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(s)
}

// describeFSError gives the cause of a file-system error without the
// absolute path that *fs.PathError carries.
func describeFSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "not found"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

// lineCol converts a byte offset to a 1-based line and column; columns count
// characters (not bytes), and a line ends at \n.
func lineCol(text string, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	before := text[:off]
	line = strings.Count(before, "\n") + 1
	start := strings.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCountInString(before[start:]) + 1
}

// displayPath makes a path safe to print on one line: control characters
// and bytes that are not UTF-8 are escaped.
func displayPath(p string) string {
	clean := true
	for _, r := range p {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			clean = false
			break
		}
	}
	if clean {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, p[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(p[i : i+n])
		}
		i += n
	}
	return b.String()
}
