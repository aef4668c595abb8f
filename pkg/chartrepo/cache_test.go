package chartrepo

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestLRU(t *testing.T) {
	g := NewWithT(t)
	c := newLRU[string, int](2)
	has := func(key string) int {
		v, ok := c.get(key)
		if !ok {
			return -1
		}
		return v
	}
	c.put("a", 1)
	c.put("b", 2)
	has("a") // b is now the least recently used
	c.put("c", 3)
	g.Expect(has("b")).To(Equal(-1), "b evicted")
	g.Expect(has("a")).To(Equal(1))
	g.Expect(has("c")).To(Equal(3))

	c.put("a", 10)
	g.Expect(has("a")).To(Equal(10), "put replaces")
	g.Expect(c.keep("a", 100)).To(Equal(10), "keep keeps what is there")
	g.Expect(c.keep("d", 4)).To(Equal(4))
	g.Expect(has("c")).To(Equal(-1), "c evicted by keep")
	g.Expect(c.order.Len()).To(Equal(2))
	g.Expect(c.items).To(HaveLen(2))
}
