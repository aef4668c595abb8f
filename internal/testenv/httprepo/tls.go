package httprepo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"time"
)

// pki is a throwaway CA with the server and client certificates it signed.
type pki struct {
	caPEM         []byte
	pool          *x509.CertPool
	serverCert    tls.Certificate
	clientCertPEM []byte
	clientKeyPEM  []byte
}

func newPKI() (*pki, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating CA key: %w", err)
	}
	caTmpl := template("captain-test CA")
	caTmpl.IsCA = true
	caTmpl.BasicConstraintsValid = true
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("signing CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parsing CA certificate: %w", err)
	}
	p := &pki{caPEM: encode("CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)

	serverTmpl := template("127.0.0.1")
	serverTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	serverTmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	serverTmpl.DNSNames = []string{"localhost"}
	certPEM, keyPEM, err := issue(serverTmpl, ca, caKey)
	if err != nil {
		return nil, fmt.Errorf("issuing server certificate: %w", err)
	}
	if p.serverCert, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return nil, fmt.Errorf("loading server certificate: %w", err)
	}

	clientTmpl := template("captain-test client")
	clientTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if p.clientCertPEM, p.clientKeyPEM, err = issue(clientTmpl, ca, caKey); err != nil {
		return nil, fmt.Errorf("issuing client certificate: %w", err)
	}
	return p, nil
}

// issue makes a key pair and a certificate for it from tmpl, signed by the CA.
func issue(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return encode("CERTIFICATE", der), encode("PRIVATE KEY", keyDER), nil
}

// template is a certificate valid from a minute ago (clock skew) for a day. Its serial number
// is left nil for x509.CreateCertificate to pick at random.
func template(commonName string) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		Subject:   pkix.Name{CommonName: commonName, Organization: []string{"Captain tests"}},
		NotBefore: now.Add(-time.Minute),
		NotAfter:  now.Add(24 * time.Hour),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
}

func encode(blockType string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
}
