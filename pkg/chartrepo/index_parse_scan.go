package chartrepo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// The fast path of ParseIndex reads, in one pass over the bytes, the YAML
// that `helm repo index` writes and hand-written indexes that look like it:
// block mappings and sequences (including the "- " at its key's indentation
// that yaml.v2 writes), the five scalar styles, comments, and the empty
// collections [] and {}. Its scalar rules are libyaml's, which yaml.v3 ports,
// rule for rule. On anything else (flow collections with content, anchors,
// aliases, tags, directives, tabs, carriage returns, a second document,
// complex keys, a scalar where a collection was expected...) it gives up, and
// ParseIndex decodes the index with yaml.v3 instead: correctness first, speed
// for the common case. FuzzParseIndex checks that where the scanner does not
// give up, it agrees with yaml.v3.

// unsupported is the panic with which the scanner gives up; scanIndex
// recovers it and returns it as an error.
type unsupported struct {
	why    string
	offset int
}

func (u unsupported) Error() string {
	return fmt.Sprintf("fast index scanner: %s at byte %d", u.why, u.offset)
}

// node is what a value turned out to be.
type node int

const (
	nullNode      node = iota // nothing, or a plain null
	scalarNode                // in scanner.scalar
	mappingNode               // a block mapping starts at scanner.pos, column scanner.col
	sequenceNode              // a block sequence starts at scanner.pos, column scanner.col
	emptyMapping              // {}
	emptySequence             // []
)

// Limits past which the scanner leaves the index to yaml.v3: libyaml refuses
// keys of 1024 characters and more, and yaml.v3 nesting deeper than 10000.
const (
	maxKeyLen = 1000
	maxDepth  = 1000
)

// scanner walks block-style YAML. Its position is always either inside a
// node or, between nodes, at the first character of a line with content
// (whose indentation is col) or at the end (col -1).
type scanner struct {
	data      []byte
	pos       int
	lineStart int // where the line holding pos starts
	col       int
	depth     int

	scalar      []byte // the last scalar value read: a slice of data or of buf
	plainScalar bool   // whether it was a plain scalar
	keyPlain    bool   // whether the last key read was a plain scalar
	buf, keyBuf []byte // decoded scalars that are not slices of data
}

func (s *scanner) bail(why string) {
	panic(unsupported{why: why, offset: s.pos})
}

// cleanText reports whether data holds only what the scanner expects
// between and inside tokens: printable UTF-8 and '\n'. Tabs, carriage
// returns, a byte order mark and the line breaks of YAML 1.1 beyond '\n'
// (NEL, LS, PS) all have rules of their own; control characters and invalid
// UTF-8 are errors in libyaml.
func cleanText(data []byte) bool {
	for i := 0; i < len(data); {
		if i+8 <= len(data) && printableASCII(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
			continue
		}
		c := data[i]
		if c >= 0x20 && c < 0x7f || c == '\n' {
			i++
			continue
		}
		if c < 0x80 {
			return false
		}
		r, size := utf8.DecodeRune(data[i:])
		if size == 1 || !printable(r) {
			return false
		}
		i += size
	}
	return true
}

// printableASCII reports whether the 8 bytes of w are all in ' '...'~'.
// Bytes under 0x80 carry nothing into the next when 0x60 or 1 is added: the
// first sets the high bit of bytes from ' ' on, the second that of DEL.
func printableASCII(w uint64) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	return w&high == 0 && (w+0x60*ones)&high == high && (w+ones)&high == 0
}

// printable is libyaml's test for a non-ASCII character, less the ones with
// a special meaning.
func printable(r rune) bool {
	switch {
	case r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff:
		return false
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// blankz reports whether data[i] ends a token: a space, a line break or the end.
func (s *scanner) blankz(i int) bool {
	return i >= len(s.data) || s.data[i] == ' ' || s.data[i] == '\n'
}

func (s *scanner) skipSpaces() {
	for s.pos < len(s.data) && s.data[s.pos] == ' ' {
		s.pos++
	}
}

// skipLine moves to the start of the next line.
func (s *scanner) skipLine() {
	if i := bytes.IndexByte(s.data[s.pos:], '\n'); i >= 0 {
		s.pos += i + 1
	} else {
		s.pos = len(s.data)
	}
}

// seek moves from the start of a line to the first character of the next
// line with content, past blank and comment lines.
func (s *scanner) seek() {
	for s.pos < len(s.data) {
		s.lineStart = s.pos
		s.skipSpaces()
		if s.pos < len(s.data) && s.data[s.pos] != '\n' && s.data[s.pos] != '#' {
			s.col = s.pos - s.lineStart
			return
		}
		s.skipLine()
	}
	s.col = -1
}

// nextLine is seek in the middle of a document, where a document marker
// would start another one.
func (s *scanner) nextLine() {
	s.seek()
	if s.col == 0 && s.marker() {
		s.bail("document marker")
	}
}

// marker reports whether a document marker, "---" or "...", starts at s.pos.
func (s *scanner) marker() bool {
	rest := s.data[s.pos:]
	return len(rest) >= 3 && (string(rest[:3]) == "---" || string(rest[:3]) == "...") && s.blankz(s.pos+3)
}

// begin moves to the document's first line with content, past a leading
// "---".
func (s *scanner) begin() {
	s.seek()
	if s.col == 0 && s.marker() {
		if s.data[s.pos] == '.' {
			s.bail("document end marker")
		}
		s.pos += 3
		s.endLine()
		s.nextLine()
	}
}

// endLine checks that only spaces and a comment are left on the line and
// moves to the next one.
func (s *scanner) endLine() {
	start := s.pos
	s.skipSpaces()
	if s.pos < len(s.data) && s.data[s.pos] != '\n' && (s.data[s.pos] != '#' || s.pos == start) {
		s.bail("content after a value")
	}
	s.skipLine()
}

func (s *scanner) enter() {
	s.depth++
	if s.depth > maxDepth {
		s.bail("deep nesting")
	}
}

// mapping reads the block mapping at s.pos, handing each key to field, which
// must read its value with s.mappingValue(col).
func (s *scanner) mapping(field func(key []byte, col int)) {
	col := s.col
	s.enter()
	for s.col == col {
		field(s.key(), col)
	}
	if s.col > col {
		s.bail("unexpected indentation")
	}
	s.depth--
}

// sequence reads the block sequence at s.pos, calling item for each entry,
// which must read it with s.itemValue(col).
func (s *scanner) sequence(item func(col int)) {
	col := s.col
	s.enter()
	for s.col == col && s.dash() {
		s.pos++
		item(col)
	}
	if s.col > col {
		s.bail("unexpected indentation")
	}
	s.depth--
}

// skip reads a node whose value is not needed.
func (s *scanner) skip(n node) {
	switch n {
	case mappingNode:
		s.mapping(func(_ []byte, col int) { s.skip(s.mappingValue(col)) })
	case sequenceNode:
		s.sequence(func(col int) { s.skip(s.itemValue(col)) })
	}
}

// dash reports whether a block sequence entry starts at s.pos.
func (s *scanner) dash() bool {
	return s.data[s.pos] == '-' && s.blankz(s.pos+1)
}

// mappingValue reads the value after a key's ':' in a mapping at column
// indent. A block collection is left for the caller to read.
func (s *scanner) mappingValue(indent int) node {
	if s.emptyLine() {
		return s.below(indent, true)
	}
	return s.scalarValue(indent)
}

// itemValue reads an entry after its '-' in a sequence at column indent. A
// block collection is left for the caller to read; unlike a mapping value,
// it may start on the entry's line.
func (s *scanner) itemValue(indent int) node {
	if s.emptyLine() {
		return s.below(indent, false)
	}
	s.col = s.pos - s.lineStart
	switch {
	case s.dash():
		return sequenceNode
	case s.isKey():
		return mappingNode
	}
	return s.scalarValue(indent)
}

// emptyLine moves past the spaces after a ':' or '-' and, if nothing but a
// comment follows on the line, to the next line with content.
func (s *scanner) emptyLine() bool {
	s.skipSpaces()
	if s.pos < len(s.data) && s.data[s.pos] != '\n' && s.data[s.pos] != '#' {
		return false
	}
	s.skipLine()
	s.nextLine()
	return true
}

// below says what the value of a key or entry with nothing after it on its
// line is: a block collection on the next lines, more indented than indent
// or, for a key, a sequence at indent itself (yaml.v2's style); or null.
func (s *scanner) below(indent int, key bool) node {
	switch {
	case s.col > indent && s.dash(), s.col == indent && key && s.dash():
		return sequenceNode
	case s.col > indent && s.isKey():
		return mappingNode
	case s.col > indent:
		s.bail("scalar on a line of its own")
	}
	return nullNode
}

// scalarValue reads the scalar at s.pos, in a collection at column indent,
// into s.scalar, and moves to the next line with content.
func (s *scanner) scalarValue(indent int) node {
	c := s.data[s.pos]
	s.plainScalar = false
	switch {
	case c == '"' || c == '\'':
		s.scalar, s.pos, _ = s.quoted(s.pos, indent, &s.buf)
	case c == '|' || c == '>':
		s.scalar = s.blockScalar(indent)
		return scalarNode
	case c == '[' || c == '{':
		return s.emptyCollection()
	case s.plainStart(s.pos):
		s.scalar, s.plainScalar = s.plain(indent), true
	default:
		s.bail("unsupported node")
	}
	s.endLine()
	s.nextLine()
	if s.plainScalar && isNull(s.scalar) {
		return nullNode
	}
	return scalarNode
}

// isNull reports whether a plain scalar is YAML's null.
func isNull(plain []byte) bool {
	switch string(plain) {
	case "~", "null", "Null", "NULL":
		return true
	}
	return false
}

// emptyCollection reads [] or {}.
func (s *scanner) emptyCollection() node {
	n, closing := emptySequence, byte(']')
	if s.data[s.pos] == '{' {
		n, closing = emptyMapping, '}'
	}
	if s.pos+1 >= len(s.data) || s.data[s.pos+1] != closing {
		s.bail("flow collection")
	}
	s.pos += 2
	s.endLine()
	s.nextLine()
	return n
}

// key reads the simple key at s.pos and moves past its ':'.
func (s *scanner) key() []byte {
	key, next, ok := s.peekKey()
	if !ok {
		s.bail("expected a key")
	}
	s.pos = next
	return key
}

func (s *scanner) isKey() bool {
	_, _, ok := s.peekKey()
	return ok
}

// peekKey reads the simple key at s.pos, if there is one, without moving:
// a plain or quoted scalar on one line followed by ':' and a space or the
// line's end. next is the position after the ':'.
func (s *scanner) peekKey() (key []byte, next int, ok bool) {
	start, end := s.pos, 0
	switch c := s.data[start]; {
	case c == '"' || c == '\'':
		// A key is on one line; what else a quoted scalar is, is for
		// the caller to find out, so no indentation applies here.
		var multiline bool
		key, end, multiline = s.quoted(start, -1, &s.keyBuf)
		if multiline {
			return nil, 0, false
		}
		s.keyPlain = false
	case s.plainStart(start):
		end, _ = s.plainLine(start)
		key, s.keyPlain = s.data[start:end], true
	default:
		return nil, 0, false
	}
	i := end
	for i < len(s.data) && s.data[i] == ' ' {
		i++
	}
	if i >= len(s.data) || s.data[i] != ':' || !s.blankz(i+1) {
		return nil, 0, false
	}
	switch {
	case i-start > maxKeyLen:
		s.bail("long key")
	case s.keyPlain && string(key) == "<<":
		s.bail("merge key")
	}
	return key, i + 1, true
}

// plainStart reports whether a plain scalar can start at data[i]: libyaml's
// rule in block context.
func (s *scanner) plainStart(i int) bool {
	switch s.data[i] {
	case '-', '?', ':':
		return !s.blankz(i + 1)
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\n':
		return false
	}
	return true
}
