package ociregistry

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"
)

// The distribution registry logs through logrus' standard logger, a process-wide singleton,
// and tags each entry with the "instance.id" found in its context. The first registry
// silences that logger's output and installs a hook that hands the entries that mean trouble
// in the registry itself (errors other than 4xx answers, panics) to the t.Log of the test
// whose registry wrote them. The rest is dropped: one info line per request, plus warnings
// and errors for every auth challenge and every "do you have this blob?" 404, which are how
// the protocol works, not faults.

// instanceIDKey is the context key distribution's loggers read; it has to be this string.
const instanceIDKey = "instance.id"

var logs = &logRouter{tests: map[string]testing.TB{}}

type logRouter struct {
	once  sync.Once
	mu    sync.Mutex
	tests map[string]testing.TB
	next  int
}

// register routes the entries of a new registry to tb and returns the context to give it.
func (l *logRouter) register(tb testing.TB) (context.Context, func()) {
	l.once.Do(func() {
		logrus.SetOutput(io.Discard)
		logrus.AddHook(l)
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	id := fmt.Sprintf("captain-test-registry-%d", l.next)
	l.tests[id] = tb
	unregister := func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.tests, id)
	}
	return instanceContext{Context: context.Background(), id: id}, unregister
}

// Levels is part of logrus.Hook.
func (l *logRouter) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel}
}

// Fire is part of logrus.Hook. It holds the lock while logging so that a test cannot end,
// and make t.Log panic, in between.
func (l *logRouter) Fire(e *logrus.Entry) error {
	if status, ok := e.Data["http.response.status"].(int); ok && status < 500 {
		return nil
	}
	id, _ := e.Data[instanceIDKey].(string)
	l.mu.Lock()
	defer l.mu.Unlock()
	if tb, ok := l.tests[id]; ok {
		tb.Logf("ociregistry: %s: %s%s", e.Level, e.Message, fields(e.Data))
	}
	return nil
}

func fields(data logrus.Fields) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if k != instanceIDKey && k != "go.version" {
			fmt.Fprintf(&b, " %s=%v", k, data[k])
		}
	}
	return b.String()
}

// instanceContext answers instanceIDKey without a string-keyed context.WithValue.
type instanceContext struct {
	context.Context
	id string
}

func (c instanceContext) Value(key any) any {
	if key == instanceIDKey {
		return c.id
	}
	return c.Context.Value(key)
}
