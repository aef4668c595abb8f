package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/ignore"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// chartFiles reads the files of a chart folder straight from Git objects,
// no checkout needed, the way Helm's loader.LoadDir reads a folder:
// .helmignore and its defaults honoured, a UTF-8 BOM trimmed, Helm's size
// limits kept. A symbolic link is refused: Git stores only its target,
// which may lie outside the chart.
func chartFiles(dir *object.Tree) ([]*loader.BufferedFile, error) {
	rules, err := ignoreRules(dir)
	if err != nil {
		return nil, err
	}
	w := &walker{rules: rules}
	if err := w.walk(dir, ""); err != nil {
		return nil, err
	}
	return w.files, nil
}

func ignoreRules(dir *object.Tree) (*ignore.Rules, error) {
	rules := ignore.Empty()
	f, err := dir.File(ignore.HelmIgnore)
	if err == nil {
		var text string
		if text, err = f.Contents(); err != nil {
			return nil, err
		}
		if rules, err = ignore.Parse(bytes.NewBufferString(text)); err != nil {
			return nil, fmt.Errorf("%s: %w", ignore.HelmIgnore, err)
		}
	} else if !errors.Is(err, object.ErrFileNotFound) {
		return nil, err
	}
	rules.AddDefaults()
	return rules, nil
}

type walker struct {
	rules *ignore.Rules
	files []*loader.BufferedFile
	size  int64
}

func (w *walker) walk(tree *object.Tree, dir string) error {
	for i := range tree.Entries {
		e := &tree.Entries[i]
		name := path.Join(dir, e.Name)
		switch {
		case e.Mode == filemode.Submodule:
			// A checkout without submodules has an empty folder here, which
			// Helm would skip too.
			continue
		case e.Mode == filemode.Dir:
			if w.rules.Ignore(name, entryInfo{name: e.Name, dir: true}) {
				continue
			}
			sub, err := tree.Tree(e.Name)
			if err != nil {
				return err
			}
			if err := w.walk(sub, name); err != nil {
				return err
			}
		default:
			if err := w.file(tree, e, name); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) file(tree *object.Tree, e *object.TreeEntry, name string) error {
	f, err := tree.TreeEntryFile(e)
	if err != nil {
		return err
	}
	if w.rules.Ignore(name, entryInfo{name: e.Name, size: f.Size}) {
		return nil
	}
	if e.Mode == filemode.Symlink {
		return fmt.Errorf("%s is a symbolic link; a chart in Git must hold its files", name)
	}
	if f.Size > loader.MaxDecompressedFileSize {
		return fmt.Errorf("chart file %s is larger than the maximum file size %d", name, loader.MaxDecompressedFileSize)
	}
	if w.size += f.Size; w.size > loader.MaxDecompressedChartSize {
		return fmt.Errorf("the chart's files are larger than the maximum chart size %d", loader.MaxDecompressedChartSize)
	}
	r, err := f.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	w.files = append(w.files, &loader.BufferedFile{Name: name, Data: bytes.TrimPrefix(data, utf8BOM)})
	return nil
}

// entryInfo is what .helmignore rules look at: a name and whether it is a
// folder.
type entryInfo struct {
	name string
	size int64
	dir  bool
}

func (i entryInfo) Name() string { return i.name }
func (i entryInfo) Size() int64  { return i.size }
func (i entryInfo) Mode() os.FileMode {
	if i.dir {
		return os.ModeDir | 0o755
	}
	return 0o644
}
func (i entryInfo) ModTime() time.Time { return time.Time{} }
func (i entryInfo) IsDir() bool        { return i.dir }
func (i entryInfo) Sys() any           { return nil }
