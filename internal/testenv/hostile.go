package testenv

import "strings"

// BillionLaughs is the classic hostile YAML: nine levels of nine aliases, a
// billion strings once expanded, from under 1 KiB.
var BillionLaughs = func() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",") + "]\n")
		prev = name
	}
	return b.String()
}()
