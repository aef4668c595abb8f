package chartrepo

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"

	"captain.io/captain/internal/testenv/httprepo"
)

func TestCredentialsFromSecret(t *testing.T) {
	// Two servers' PKIs give a valid CA, client certificate and key, and a key of another pair.
	srv := httprepo.New(t, httprepo.WithClientCertRequired(), httprepo.WithCharts())
	other := httprepo.New(t, httprepo.WithClientCertRequired(), httprepo.WithCharts())
	ca := srv.CAPEM()
	cert, key := srv.ClientCert()
	_, otherKey := other.ClientCert()

	// Every secret value holds "pa55" or "t0ken", which no error may show.
	cases := []struct {
		name    string
		data    map[string]string
		want    Credentials
		wantErr string
	}{
		{name: "empty", data: map[string]string{}, want: Credentials{}},
		{name: "basic auth", data: map[string]string{"username": "alice", "password": " pa55 "},
			want: Credentials{Username: "alice", Password: " pa55 "}},
		{name: "token with a trailing newline", data: map[string]string{"token": "t0ken\n"},
			want: Credentials{Token: "t0ken"}},
		{name: "TLS", data: map[string]string{"ca.crt": string(ca), "tls.crt": string(cert), "tls.key": string(key)},
			want: Credentials{CACert: ca, ClientCert: cert, ClientKey: key}},
		{name: "other keys ignored", data: map[string]string{"token": "t0ken", ".dockerconfigjson": "{}"},
			want: Credentials{Token: "t0ken"}},
		{name: "username without password", data: map[string]string{"username": "alice"},
			wantErr: "secret repo-auth: has key username but no password"},
		{name: "empty password", data: map[string]string{"username": "alice", "password": ""},
			wantErr: "secret repo-auth: has key username but no password"},
		{name: "password without username", data: map[string]string{"password": "pa55"},
			wantErr: "secret repo-auth: has key password but no username"},
		{name: "username and token", data: map[string]string{"username": "alice", "password": "pa55", "token": "t0ken"},
			wantErr: "secret repo-auth: has both username and token; a chart source takes one"},
		{name: "tls.crt without tls.key", data: map[string]string{"tls.crt": string(cert)},
			wantErr: "secret repo-auth: has key tls.crt but no tls.key"},
		{name: "tls.key without tls.crt", data: map[string]string{"tls.key": string(key)},
			wantErr: "secret repo-auth: has key tls.key but no tls.crt"},
		{name: "ca.crt not PEM", data: map[string]string{"ca.crt": "pa55"},
			wantErr: "secret repo-auth: key ca.crt holds no PEM certificate"},
		{name: "key of another certificate", data: map[string]string{"tls.crt": string(cert), "tls.key": string(otherKey)},
			wantErr: "secret repo-auth: keys tls.crt and tls.key are not a certificate and its key: tls: private key does not match public key"},
		{name: "tls.key not PEM", data: map[string]string{"tls.crt": string(cert), "tls.key": "pa55"},
			wantErr: "secret repo-auth: keys tls.crt and tls.key are not a certificate and its key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			data := map[string][]byte{}
			for k, v := range tc.data {
				data[k] = []byte(v)
			}
			got, err := CredentialsFromSecret("repo-auth", data)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				g.Expect(err.Error()).NotTo(Or(ContainSubstring("pa55"), ContainSubstring("t0ken"), ContainSubstring("PRIVATE KEY")))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestTLSConfig(t *testing.T) {
	g := NewWithT(t)
	srv := httprepo.New(t, httprepo.WithClientCertRequired(), httprepo.WithCharts())
	cert, key := srv.ClientCert()

	cfg, err := Credentials{}.TLSConfig()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.RootCAs).To(BeNil(), "nil means the system roots")
	g.Expect(cfg.Certificates).To(BeEmpty())
	g.Expect(cfg.InsecureSkipVerify).To(BeFalse())

	cfg, err = Credentials{CACert: srv.CAPEM(), ClientCert: cert, ClientKey: key, InsecureSkipTLSVerify: true}.TLSConfig()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.RootCAs).NotTo(BeNil())
	g.Expect(cfg.Certificates).To(HaveLen(1))
	g.Expect(cfg.InsecureSkipVerify).To(BeTrue())
}

func TestCredentialsPrintWithoutSecrets(t *testing.T) {
	g := NewWithT(t)
	c := Credentials{Username: "alice", Password: "pa55", ClientKey: []byte("pa55 key"), PlainHTTP: true}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		g.Expect(out).NotTo(ContainSubstring("pa55"), verb)
		g.Expect(out).To(Equal(`Credentials{Username:"alice" Password:<set> Token:<unset> CACert:<unset> ClientCert:<unset> ClientKey:<set> InsecureSkipTLSVerify:false PlainHTTP:true}`), verb)
	}
}
