package gitrepo

import (
	"errors"
	"net"
	"os"
	"slices"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHostsCallback checks host keys against data, in known_hosts format
// (hashed names, [host]:port and markers included). x/crypto parses only
// files, so data goes through a temporary one, read at once and removed.
func knownHostsCallback(data []byte) (ssh.HostKeyCallback, error) {
	f, err := os.CreateTemp("", "captain-known_hosts-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return knownhosts.New(f.Name())
}

// hostKeyAlgorithms lists the types of the keys known_hosts holds for
// hostPort, so that the server is asked for a key that can be verified:
// otherwise a server offering another type first fails as a mismatch. The
// callback lists them when shown a key it does not know.
func hostKeyAlgorithms(cb ssh.HostKeyCallback, hostPort string) []string {
	var keyErr *knownhosts.KeyError
	if !errors.As(cb(hostPort, &net.TCPAddr{IP: net.IPv4zero}, probeKey{}), &keyErr) {
		return nil
	}
	var algos []string
	for _, k := range keyErr.Want {
		types := []string{k.Key.Type()}
		if types[0] == ssh.KeyAlgoRSA {
			// An RSA key signs with SHA-2 too; servers prefer it.
			types = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		}
		for _, t := range types {
			if !slices.Contains(algos, t) {
				algos = append(algos, t)
			}
		}
	}
	return algos
}

// probeKey is a public key no known_hosts line holds.
type probeKey struct{}

func (probeKey) Type() string                        { return "captain-probe" }
func (probeKey) Marshal() []byte                     { return []byte("captain-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key") }
