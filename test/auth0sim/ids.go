package auth0sim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns n random characters from [A-Za-z0-9], the shape of
// Auth0's rule, connection and client identifiers.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth0sim: crypto/rand: %v", err))
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// newUUID returns a random (version 4) UUID, the shape of action, version and
// binding identifiers.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("auth0sim: crypto/rand: %v", err))
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func newRuleID() string       { return "rul_" + randomString(16) }
func newConnectionID() string { return "con_" + randomString(16) }
func newClientID() string     { return randomString(32) }
func newCredentialID() string { return "cred_" + randomString(22) }
func newDomainID() string     { return "cd_" + randomString(16) }
