package chartrepo

import (
	"bytes"
	"time"
)

// scanIndex is ParseIndex's fast path: it reads the index with the scanner
// (see index_parse_scan.go), skipping the fields Captain does not keep. An
// unsupported error means the scanner gave up and the index must be decoded
// otherwise; it is never an error in the index itself.
func scanIndex(data []byte) (b *indexBuilder, err error) {
	if !cleanText(data) {
		return nil, unsupported{why: "tab, carriage return, control character or invalid UTF-8"}
	}
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(unsupported)
			if !ok {
				panic(r)
			}
			b, err = nil, u
		}
	}()
	r := indexReader{scanner: scanner{data: data}, b: &indexBuilder{}, interned: map[string]string{}}
	r.index()
	return r.b, nil
}

// indexReader reads the fields of an index that Captain keeps.
type indexReader struct {
	scanner
	b        *indexBuilder
	list     []listing // the current chart's versions, reused from chart to chart
	keys     keySet    // the current chart version's keys
	interned map[string]string
}

// keySet holds the keys of one mapping, since yaml.v3 refuses a mapping
// with a key given twice. Past a few keys it is a map, so that a mapping
// with many keys does not take quadratic time.
type keySet struct {
	list [][]byte
	big  map[string]bool
}

func (k *keySet) reset() {
	k.list, k.big = k.list[:0], nil
}

// add records the key just read, or gives up if it was there already.
func (k *keySet) add(r *indexReader, key []byte) {
	if k.big != nil {
		if k.big[string(key)] {
			r.bail("repeated key")
		}
		k.big[string(key)] = true
		return
	}
	for _, seen := range k.list {
		if bytes.Equal(seen, key) {
			r.bail("repeated key")
		}
	}
	if !r.keyPlain {
		key = bytes.Clone(key) // a quoted key is decoded into a buffer that is reused
	}
	k.list = append(k.list, key)
	if len(k.list) > 16 {
		k.big = make(map[string]bool, 2*len(k.list))
		for _, seen := range k.list {
			k.big[string(seen)] = true
		}
	}
}

func (r *indexReader) index() {
	r.begin()
	if r.col != 0 {
		r.bail("the document is not a mapping at column 0")
	}
	var keys keySet
	r.mapping(func(key []byte, col int) {
		keys.add(r, key)
		switch string(key) {
		case "apiVersion":
			r.b.apiVersion = r.text(r.mappingValue(col), false)
		case "entries":
			r.entries(r.mappingValue(col))
		default:
			r.skip(r.mappingValue(col))
		}
	})
}

func (r *indexReader) entries(n node) {
	switch n {
	case nullNode, emptyMapping:
	case mappingNode:
		names := map[string]bool{}
		r.mapping(func(key []byte, col int) {
			if r.keyPlain && isNull(key) {
				r.bail("null chart name")
			}
			name := string(key)
			if names[name] {
				r.bail("repeated chart name")
			}
			names[name] = true
			r.b.add(name, r.versions(r.mappingValue(col)))
		})
	default:
		r.bail("entries is not a mapping")
	}
}

func (r *indexReader) versions(n node) []listing {
	r.list = r.list[:0]
	switch n {
	case nullNode, emptySequence:
	case sequenceNode:
		r.sequence(func(col int) {
			r.list = append(r.list, listing{})
			switch r.itemValue(col) {
			case nullNode, emptyMapping:
			case mappingNode:
				r.version(&r.list[len(r.list)-1])
			default:
				r.bail("a chart version is not a mapping")
			}
		})
	default:
		r.bail("a chart's versions are not a sequence")
	}
	return r.list
}

// The fields of a chart version that Captain keeps.
const (
	fieldOther = iota - 1
	fieldName
	fieldVersion
	fieldAppVersion
	fieldDescription
	fieldIcon
	fieldKubeVersion
	fieldType
	fieldKeywords
	fieldCreated
	fieldDigest
	fieldURLs
	fieldDeprecated
)

func versionField(key []byte) int {
	switch string(key) {
	case "name":
		return fieldName
	case "version":
		return fieldVersion
	case "appVersion":
		return fieldAppVersion
	case "description":
		return fieldDescription
	case "icon":
		return fieldIcon
	case "kubeVersion":
		return fieldKubeVersion
	case "type":
		return fieldType
	case "keywords":
		return fieldKeywords
	case "created":
		return fieldCreated
	case "digest":
		return fieldDigest
	case "urls":
		return fieldURLs
	case "deprecated":
		return fieldDeprecated
	}
	return fieldOther
}

func (r *indexReader) version(l *listing) {
	r.keys.reset()
	r.mapping(func(key []byte, col int) {
		r.keys.add(r, key)
		field := versionField(key)
		if field == fieldOther {
			r.skip(r.mappingValue(col))
			return
		}
		r.field(l, field, r.mappingValue(col))
	})
}

// field reads one field of a chart version. Strings that repeat from
// version to version (descriptions, icons, keywords...) are interned.
func (r *indexReader) field(l *listing, field int, n node) {
	switch field {
	case fieldName:
		l.name = r.text(n, true)
	case fieldVersion:
		l.Version = r.text(n, false)
	case fieldAppVersion:
		l.AppVersion = r.text(n, true)
	case fieldDescription:
		l.Description = r.text(n, true)
	case fieldIcon:
		l.Icon = r.text(n, true)
	case fieldKubeVersion:
		l.KubeVersion = r.text(n, true)
	case fieldType:
		l.chartType = r.text(n, true)
	case fieldKeywords:
		l.Keywords = r.texts(n, true)
	case fieldCreated:
		l.Created = r.created(n)
	case fieldDigest:
		l.Digest = r.text(n, false)
	case fieldURLs:
		l.URLs = r.texts(n, false)
	case fieldDeprecated:
		l.Deprecated = r.boolean(n)
	}
}

// text reads a string field, as yaml.v3 decodes any scalar into a string:
// its text as written, "" for null.
func (r *indexReader) text(n node, intern bool) string {
	switch {
	case n == nullNode:
		return ""
	case n != scalarNode:
		r.bail("a collection where a string was expected")
	case intern:
		return r.intern(r.scalar)
	}
	return string(r.scalar)
}

func (r *indexReader) intern(b []byte) string {
	if s, ok := r.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	r.interned[s] = s
	return s
}

// texts reads a list of strings. yaml.v3 leaves out null entries.
func (r *indexReader) texts(n node, intern bool) []string {
	switch n {
	case nullNode, emptySequence:
		return nil
	case sequenceNode:
		var list []string
		r.sequence(func(col int) {
			if item := r.itemValue(col); item != nullNode {
				list = append(list, r.text(item, intern))
			}
		})
		return list
	}
	r.bail("not a sequence where a list of strings was expected")
	return nil
}

// boolean reads a bool field; yaml.v3 has a rule of its own for anything
// but true and false, so the scanner leaves that to it.
func (r *indexReader) boolean(n node) bool {
	switch {
	case n == nullNode:
		return false
	case n != scalarNode || !r.plainScalar:
	case string(r.scalar) == "true" || string(r.scalar) == "True" || string(r.scalar) == "TRUE":
		return true
	case string(r.scalar) == "false" || string(r.scalar) == "False" || string(r.scalar) == "FALSE":
		return false
	}
	r.bail("a bool other than true or false")
	return false
}

// created reads a timestamp; the scanner leaves invalid ones for the
// general decoder to report.
func (r *indexReader) created(n node) time.Time {
	if n == nullNode {
		return time.Time{}
	}
	if n != scalarNode {
		r.bail("a collection where a timestamp was expected")
	}
	t, err := parseCreated(r.scalar)
	if err != nil {
		r.bail("invalid timestamp")
	}
	return t
}
