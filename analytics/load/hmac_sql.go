package load

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// hmacBlockSize is SHA-256's block size in bytes (RFC 2104 calls it B).
const hmacBlockSize = 64

// hmacPads returns the key XORed with the inner (0x36) and outer (0x5c) pads
// of RFC 2104, after hashing a key longer than the block.
func hmacPads(key []byte) (ipad, opad []byte) {
	if len(key) > hmacBlockSize {
		h := sha256.Sum256(key)
		key = h[:]
	}
	ipad = make([]byte, hmacBlockSize)
	opad = make([]byte, hmacBlockSize)
	copy(ipad, key)
	copy(opad, key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	return ipad, opad
}

// blobLiteral renders bytes as a DuckDB BLOB literal.
func blobLiteral(b []byte) string {
	var s strings.Builder
	s.WriteString("'")
	for _, c := range b {
		fmt.Fprintf(&s, "\\x%02X", c)
	}
	s.WriteString("'::BLOB")
	return s.String()
}
