package epp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"time"
)

// TLSSettings are the gateway's TLS settings: PEM files of the server
// certificate and key (both empty: a self-signed certificate is made in
// memory), and optionally a PEM bundle of CAs that client certificates must
// chain to.
type TLSSettings struct {
	CertFile     string
	KeyFile      string
	ClientCAFile string
	// Hosts are the DNS names and IP addresses of a self-signed certificate.
	Hosts []string
}

// TLSConfig builds the listener's TLS configuration (TLS 1.2 or newer) and
// answers the SHA-256 fingerprint of the server certificate, colon-separated
// hex as openssl prints it, and whether it was generated.
func TLSConfig(s TLSSettings) (*tls.Config, string, bool, error) {
	var cert tls.Certificate
	generated := false
	switch {
	case s.CertFile == "" && s.KeyFile == "":
		var err error
		if cert, err = SelfSigned(s.Hosts, time.Now()); err != nil {
			return nil, "", false, err
		}
		generated = true
	case s.CertFile == "" || s.KeyFile == "":
		return nil, "", false, errors.New("REGISTRY_EPP_CERT and REGISTRY_EPP_KEY are set together")
	default:
		var err error
		if cert, err = tls.LoadX509KeyPair(s.CertFile, s.KeyFile); err != nil {
			return nil, "", false, fmt.Errorf("EPP certificate: %w", err)
		}
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if s.ClientCAFile != "" {
		pem, err := os.ReadFile(s.ClientCAFile)
		if err != nil {
			return nil, "", false, fmt.Errorf("REGISTRY_EPP_CLIENT_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, "", false, errors.New("REGISTRY_EPP_CLIENT_CA: no PEM certificate in the file")
		}
		conf.ClientCAs = pool
		conf.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return conf, Fingerprint(cert.Certificate[0]), generated, nil
}

// Fingerprint is the SHA-256 of a DER certificate as openssl x509
// -fingerprint -sha256 prints it (upper-case hex pairs joined by colons).
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// SelfSigned makes an ECDSA P-256 certificate valid for a year for hosts
// (DNS names or IP addresses; localhost and 127.0.0.1 when empty).
func SelfSigned(hosts []string, now time.Time) (tls.Certificate, error) {
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "registryd EPP gateway", Organization: []string{"HeadlessDomains"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
