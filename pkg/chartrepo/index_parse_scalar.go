package chartrepo

import (
	"bytes"
	"unicode/utf8"
)

// The scalar readers below follow libyaml's yaml_parser_scan_plain_scalar,
// _scan_flow_scalar and _scan_block_scalar (as ported to Go by yaml.v3) on
// the text cleanText lets through. Most scalars in an index are one line
// without escapes; those are returned as slices of the data, the others are
// decoded into a buffer.

// plain reads the plain scalar at s.pos, whose continuation lines must be
// indented more than indent, the column of the collection holding it. It
// leaves s.pos right after the scalar's last character.
func (s *scanner) plain(indent int) []byte {
	start := s.pos
	end, stop := s.plainLine(start)
	next, breaks := s.continuation(stop, indent)
	if next < 0 {
		s.pos = end
		return s.data[start:end]
	}
	s.buf = append(s.buf[:0], s.data[start:end]...)
	for next >= 0 {
		lineEnd, lineStop := s.plainLine(next)
		if lineEnd == next {
			break // the line starts with ": ", which ends the scalar
		}
		s.buf = fold(s.buf, breaks)
		s.buf = append(s.buf, s.data[next:lineEnd]...)
		end = lineEnd
		next, breaks = s.continuation(lineStop, indent)
	}
	s.pos = end
	return s.buf
}

// plainLine scans one line of a plain scalar from i. end is right after its
// last character; stop is where scanning stopped: at a ':' followed by a
// blank, a '#' after a space, a line break or the end.
func (s *scanner) plainLine(i int) (end, stop int) {
	end = i
	for i < len(s.data) {
		switch c := s.data[i]; {
		case c == '\n', c == ':' && s.blankz(i+1):
			return end, i
		case c == ' ':
			i++
			if i < len(s.data) && s.data[i] == '#' {
				return end, i
			}
			continue
		}
		i++
		end = i
	}
	return end, i
}

// continuation finds where a plain scalar that stopped at stop goes on: the
// first character of a later line indented more than indent, past blank
// lines, unless that starts a comment. breaks counts the line breaks before
// it; next is -1 if the scalar does not go on.
func (s *scanner) continuation(stop, indent int) (next, breaks int) {
	i := stop
	for i < len(s.data) && s.data[i] == '\n' {
		i++
		breaks++
		lineStart := i
		for i < len(s.data) && s.data[i] == ' ' {
			i++
		}
		if i < len(s.data) && s.data[i] != '\n' {
			if i-lineStart <= indent || s.data[i] == '#' {
				return -1, 0
			}
			return i, breaks
		}
	}
	return -1, 0
}

// fold joins the lines of a flow scalar (plain or quoted) separated by
// breaks line breaks: one becomes a space, more become one newline fewer.
func fold(buf []byte, breaks int) []byte {
	if breaks == 1 {
		return append(buf, ' ')
	}
	return appendN(buf, '\n', breaks-1)
}

func appendN(buf []byte, c byte, n int) []byte {
	for range n {
		buf = append(buf, c)
	}
	return buf
}

// quoted reads the single- or double-quoted scalar starting at data[start],
// in a collection at column indent, decoding it into *dst if it is not a
// plain slice of the data. end is right after the closing quote; multiline
// says whether the scalar spans lines.
func (s *scanner) quoted(start, indent int, dst *[]byte) (val []byte, end int, multiline bool) {
	if i := s.simpleQuoted(start); i >= 0 {
		return s.data[start+1 : i], i + 1, false
	}
	return s.decodeQuoted(start, indent, dst)
}

// simpleQuoted returns the position of the closing quote of a quoted scalar
// that ends on its line and holds no escape, or -1.
func (s *scanner) simpleQuoted(start int) int {
	q := s.data[start]
	for i := start + 1; i < len(s.data); i++ {
		switch s.data[i] {
		case q:
			if q == '\'' && i+1 < len(s.data) && s.data[i+1] == '\'' {
				return -1
			}
			return i
		case '\\':
			if q == '"' {
				return -1
			}
		case '\n':
			return -1
		}
	}
	return -1
}

// decodeQuoted is quoted for scalars with escapes or line breaks. Unlike
// libyaml, it gives up on continuation lines not indented more than the
// collection holding the scalar rather than accept them.
func (s *scanner) decodeQuoted(start, indent int, dst *[]byte) ([]byte, int, bool) {
	q := s.data[start]
	buf, i, multiline := (*dst)[:0], start+1, false
	for {
		var escapedBreak bool
		i, buf, escapedBreak = s.quotedRun(i, q, buf)
		lineStart, leadingBreak, breaks, spaces := i, false, 0, 0
		if escapedBreak {
			multiline = true
		} else if i < len(s.data) && s.data[i] == q {
			break
		}
		for ; i < len(s.data) && (s.data[i] == ' ' || s.data[i] == '\n'); i++ {
			switch {
			case s.data[i] == ' ' && !escapedBreak && !leadingBreak:
				spaces++
			case s.data[i] == '\n' && !escapedBreak && !leadingBreak:
				leadingBreak, lineStart, multiline = true, i+1, true
			case s.data[i] == '\n':
				breaks++
				lineStart = i + 1
			}
		}
		if i >= len(s.data) {
			s.bail("unterminated quoted scalar")
		}
		if (escapedBreak || leadingBreak) && i-lineStart <= indent {
			s.bail("quoted scalar continues at a low indentation")
		}
		switch {
		case leadingBreak:
			buf = fold(buf, breaks+1)
		case escapedBreak:
			buf = appendN(buf, '\n', breaks)
		default:
			buf = appendN(buf, ' ', spaces)
		}
		if escapedBreak && s.data[i] == q {
			break
		}
	}
	*dst = buf
	return buf, i + 1, multiline
}

// quotedRun copies the characters of a quoted scalar from i up to a blank,
// the closing quote or the end. escapedBreak says it stopped after a
// backslash at the end of a line, which joins the lines with nothing.
func (s *scanner) quotedRun(i int, q byte, buf []byte) (int, []byte, bool) {
	for i < len(s.data) {
		switch c := s.data[i]; {
		case c == ' ' || c == '\n':
			return i, buf, false
		case c == '\'' && q == '\'':
			if i+1 >= len(s.data) || s.data[i+1] != '\'' {
				return i, buf, false
			}
			buf = append(buf, '\'')
			i += 2
		case c == '"' && q == '"':
			return i, buf, false
		case c == '\\' && q == '"' && i+1 < len(s.data) && s.data[i+1] == '\n':
			return i + 2, buf, true
		case c == '\\' && q == '"':
			i, buf = s.escape(i, buf)
		default:
			buf = append(buf, c)
			i++
		}
	}
	return i, buf, false
}

// simpleEscapes are the one-character escapes of double-quoted scalars.
var simpleEscapes = map[byte]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", 'n': "\n", 'v': "\v", 'f': "\f", 'r': "\r",
	'e': "\x1b", ' ': " ", '"': "\"", '\'': "'", '\\': "\\",
	'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}

// escape decodes the escape sequence at data[i], a backslash.
func (s *scanner) escape(i int, buf []byte) (int, []byte) {
	if i+1 >= len(s.data) {
		s.bail("unterminated escape")
	}
	c := s.data[i+1]
	if e, ok := simpleEscapes[c]; ok {
		return i + 2, append(buf, e...)
	}
	digits := hexDigits(c)
	if digits == 0 || i+2+digits > len(s.data) {
		s.bail("unknown escape")
	}
	r := rune(0)
	for _, h := range s.data[i+2 : i+2+digits] {
		v := hexValue(h)
		if v < 0 {
			s.bail("bad hexadecimal escape")
		}
		r = r<<4 | rune(v)
	}
	if r >= 0xd800 && r <= 0xdfff || r > 0x10ffff || r < 0 {
		s.bail("escape of an invalid character")
	}
	return i + 2 + digits, utf8.AppendRune(buf, r)
}

// hexDigits is the length of the escapes \xXX, \uXXXX and \UXXXXXXXX.
func hexDigits(c byte) int {
	switch c {
	case 'x':
		return 2
	case 'u':
		return 4
	case 'U':
		return 8
	}
	return 0
}

func hexValue(h byte) int {
	switch {
	case h >= '0' && h <= '9':
		return int(h - '0')
	case h >= 'a' && h <= 'f':
		return int(h-'a') + 10
	case h >= 'A' && h <= 'F':
		return int(h-'A') + 10
	}
	return -1
}

// blockScalar reads the literal (|) or folded (>) block scalar at s.pos, in
// a collection at column indent, and moves to the next line with content.
func (s *scanner) blockScalar(indent int) []byte {
	b := blockReader{s: s, literal: s.data[s.pos] == '|'}
	s.pos++
	chomp, increment := s.blockHeader()
	s.endLine()
	if increment > 0 {
		b.width = indent + increment
	}
	b.i, b.lineStart = s.pos, s.pos
	b.buf = s.buf[:0]
	b.breaksAndIndent(indent)
	b.lines(indent)
	if chomp != '-' && b.leadingBreak {
		b.buf = append(b.buf, '\n')
	}
	if chomp == '+' {
		b.buf = appendN(b.buf, '\n', b.breaks)
	}
	s.buf = b.buf
	s.pos = b.lineStart
	s.nextLine()
	return b.buf
}

// blockHeader reads a block scalar's chomping ('-', '+' or 0) and
// indentation indicators, in either order.
func (s *scanner) blockHeader() (chomp byte, increment int) {
	for range 2 {
		if s.pos >= len(s.data) {
			return
		}
		switch c := s.data[s.pos]; {
		case (c == '-' || c == '+') && chomp == 0:
			chomp = c
		case c >= '1' && c <= '9' && increment == 0:
			increment = int(c - '0')
		case c == '0':
			s.bail("block scalar indentation 0")
		default:
			return
		}
		s.pos++
	}
	return
}

// blockReader is the state of libyaml's block scalar loop.
type blockReader struct {
	s                   *scanner
	literal             bool
	i, lineStart, width int
	buf                 []byte
	breaks              int  // trailing line breaks not yet written
	leadingBreak        bool // the last content line ended in a line break
}

// lines reads the content lines, all at the block's width.
func (b *blockReader) lines(indent int) {
	data := b.s.data
	leadingBlank := false
	for b.i < len(data) && b.i-b.lineStart == b.width {
		trailingBlank := data[b.i] == ' '
		switch {
		case !b.literal && b.leadingBreak && !leadingBlank && !trailingBlank:
			if b.breaks == 0 {
				b.buf = append(b.buf, ' ')
			}
		case b.leadingBreak:
			b.buf = append(b.buf, '\n')
		}
		b.buf = appendN(b.buf, '\n', b.breaks)
		leadingBlank = trailingBlank
		end := len(data)
		if j := bytes.IndexByte(data[b.i:], '\n'); j >= 0 {
			end = b.i + j
		}
		b.buf = append(b.buf, data[b.i:end]...)
		b.i, b.leadingBreak = end, end < len(data)
		if b.leadingBreak {
			b.i++
			b.lineStart = b.i
		}
		b.breaksAndIndent(indent)
	}
}

// breaksAndIndent eats indentation and empty lines, counting the line
// breaks, and sets the block's width from them and the first content line
// if no indicator gave it.
func (b *blockReader) breaksAndIndent(indent int) {
	data := b.s.data
	maxCol := 0
	b.breaks = 0
	for {
		for (b.width == 0 || b.i-b.lineStart < b.width) && b.i < len(data) && data[b.i] == ' ' {
			b.i++
		}
		maxCol = max(maxCol, b.i-b.lineStart)
		if b.i >= len(data) || data[b.i] != '\n' {
			break
		}
		b.i++
		b.lineStart = b.i
		b.breaks++
	}
	if b.width == 0 {
		b.width = max(maxCol, indent+1, 1)
	}
}
