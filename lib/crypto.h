/*
 * crypto.h: the OpenSSL 3 (EVP) operations the ACME client needs, and
 * nothing else: keys, JWK and its thumbprint, flattened JWS signatures,
 * CSRs, and reading certificates back.
 *
 * Standards: JWS (RFC 7515: ES256/ES384 signatures are the raw r||s
 * concatenation, not DER), JWK (RFC 7517/7518), JWK thumbprint (RFC 7638),
 * ACME's use of them (RFC 8555 sections 6.2, 7.4), the ARI certificate id
 * (RFC 9773 section 4.1); and sealing a secret for storage (AES-256-GCM,
 * NIST SP 800-38D), for certificate keys kept in the database.
 *
 * Keys are EVP_PKEY objects the caller owns (EVP_PKEY_free, NULL-safe).
 * Every function that can fail takes char **cause: set to NULL at entry, to
 * a one-line reason on failure (caller frees; NULL if even that failed),
 * with the OpenSSL error appended when there is one.
 */
#ifndef LIB_CRYPTO_H
#define LIB_CRYPTO_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

enum crypto_key_type {
	CRYPTO_KEY_EC256 = 0,	/* ECDSA P-256, JWS alg ES256 (the default) */
	CRYPTO_KEY_EC384,	/* ECDSA P-384, ES384 */
	CRYPTO_KEY_RSA2048,	/* RSA, RS256 */
	CRYPTO_KEY_RSA3072,
	CRYPTO_KEY_RSA4096,
};

/* The config spelling of the key types, for CONFIG_ENUM choices. */
#define CRYPTO_KEY_TYPES	"ec256|ec384|rsa2048|rsa3072|rsa4096"

/* Parses "ec256", ... into *type; -1 if unknown. */
int		 crypto_key_type_parse(const char *, enum crypto_key_type *);
/* The config spelling of a type ("ec256"); never NULL. */
const char	*crypto_key_type_name(enum crypto_key_type);
/* True if key is of that type (algorithm and size). */
int		 crypto_key_is_type(EVP_PKEY *, enum crypto_key_type);

/* A new private key of type. Caller EVP_PKEY_free()s; NULL with *cause. */
EVP_PKEY	*crypto_key_new(enum crypto_key_type, char **cause);
/* Reads a PEM private key file (at most 64 KiB). Caller frees. */
EVP_PKEY	*crypto_key_load(const char *path, char **cause);
/* Parses a PEM private key in memory. Caller frees. */
EVP_PKEY	*crypto_key_parse(const char *pem, size_t len, char **cause);
/* Writes key as PEM (PKCS#8) to path, mode 0600, atomically. 0 or -1. */
int		 crypto_key_save(const char *path, EVP_PKEY *, char **cause);
/* The key as unencrypted PEM. Caller frees (and should not log it). */
char		*crypto_key_pem(EVP_PKEY *, size_t *len, char **cause);
/*
 * Loads path, or when it does not exist creates a key of type and saves it
 * there (0600). *created tells which happened (may be NULL). Caller frees.
 */
EVP_PKEY	*crypto_key_load_or_new(const char *path, enum crypto_key_type,
		    int *created, char **cause);

/* The JWS "alg" for key: "ES256", "ES384" or "RS256"; NULL if unsupported. */
const char	*crypto_jws_alg(EVP_PKEY *);
/*
 * The public JWK of key as compact JSON with the required members only, in
 * lexicographic order (RFC 7638 section 3.2), so the same text serves the
 * JWS "jwk" header and the thumbprint. Caller frees.
 */
char		*crypto_jwk(EVP_PKEY *, char **cause);
/* base64url(SHA-256(crypto_jwk(key))), the RFC 7638 thumbprint. Caller frees. */
char		*crypto_jwk_thumbprint(EVP_PKEY *, char **cause);
/* base64url(SHA-256(data)), e.g. the dns-01 TXT value. Caller frees. */
char		*crypto_sha256_b64u(const void *, size_t, char **cause);

/*
 * Signs data with key as JWS wants it: RSASSA-PKCS1-v1_5 SHA-256, or ECDSA
 * with the curve's hash as raw r||s (each padded to the field size).
 * 0 with *sig (caller frees) and *siglen, or -1.
 */
int		 crypto_sign(EVP_PKEY *, const void *data, size_t len,
		    unsigned char **sig, size_t *siglen, char **cause);
/*
 * A flattened JWS JSON serialization (RFC 7515 section 7.2.2):
 * {"protected":b64u(protected),"payload":b64u(payload),"signature":...}.
 * protected is the header JSON text, used as is; payload may be empty
 * (len 0: ACME POST-as-GET). Caller frees.
 */
char		*crypto_jws(EVP_PKEY *, const char *protected,
		    const void *payload, size_t len, char **cause);
/* The same signed with HMAC-SHA256 under key (HS256, for ACME EAB). */
char		*crypto_jws_hmac(const unsigned char *key, size_t keylen,
		    const char *protected, const void *payload, size_t len,
		    char **cause);

/*
 * A DER PKCS#10 CSR for names (the first one also as subject CN when it
 * fits in 64 bytes; all of them as dNSName SANs), signed by key.
 * 0 with *der (caller frees) and *len, or -1.
 */
int		 crypto_csr(EVP_PKEY *, const char *const *names, size_t n,
		    unsigned char **der, size_t *len, char **cause);

/* What bootstack reads from a certificate. */
struct crypto_cert {
	time_t		 not_before;
	time_t		 not_after;
	char		**names;	/* dNSName SANs, and iPAddress ones as
					   text (inet_ntop), owned */
	size_t		 nnames;
	char		*serial;	/* upper-case hex, owned */
	char		*issuer_cn;	/* issuer commonName or "", owned */
	char		*ari_id;	/* RFC 9773 certID, owned; NULL without AKI */
};

/* Zeroes c, so crypto_cert_cleanup() is safe on it. */
void		 crypto_cert_init(struct crypto_cert *);
/* Frees what c owns; safe twice. */
void		 crypto_cert_cleanup(struct crypto_cert *);
/* Reads the first certificate of a PEM text into *c. 0 or -1. */
int		 crypto_cert_parse(const char *pem, size_t len,
		    struct crypto_cert *, char **cause);
/* Reads the first certificate of a PEM file (at most 1 MiB). 0 or -1. */
int		 crypto_cert_load(const char *path, struct crypto_cert *,
		    char **cause);
/* The DER of the first certificate of pem. 0 with *der (caller frees). */
int		 crypto_cert_der(const char *pem, size_t len,
		    unsigned char **der, size_t *derlen, char **cause);

/*
 * The certificate a TLS server presents: a TCP connection to host:port
 * (an address or a name), a handshake with sni as the server name (none
 * when NULL or an address literal), no verification, no request; the
 * whole within timeout_ms (a name's look-up aside: give an address).
 * 0 with *c, or -1 with *cause ("connect
 * 127.0.0.1 port 443: Connection refused", "... no answer within ...").
 */
int		 crypto_tls_peer(const char *host, const char *port,
		    const char *sni, long timeout_ms, struct crypto_cert *,
		    char **cause);

/*
 * Checks a PEM chain as a CA returned it (RFC 8555 section 9.1): at least
 * one certificate, only certificates, the leaf matching key (when not NULL)
 * and carrying every one of names as a SAN. Splits it into *leaf (the
 * first certificate) and *chain (the others, maybe ""), both PEM and owned
 * by the caller. 0 or -1.
 */
int		 crypto_chain_check(const char *pem, size_t len, EVP_PKEY *,
		    const char *const *names, size_t n, char **leaf,
		    char **chain, char **cause);
/*
 * True if some certificate of the PEM chain was issued by, or is, a CA
 * whose commonName is cn: the preferred-chain test (certbot's and lego's
 * --preferred-chain match the top certificate's issuer the same way).
 */
int		 crypto_chain_has_issuer(const char *pem, size_t len,
		    const char *cn);

/*
 * Sealed secrets: AES-256-GCM with a random 96-bit nonce, the aad text
 * (what the secret belongs to, e.g. a certificate's name) authenticated
 * with it, so a sealed value moved to another name fails to open. The
 * sealed form is CRYPTO_SEAL_VERSION, the nonce, the ciphertext, the
 * 16-byte tag.
 */
#define CRYPTO_SEAL_KEY		32	/* bytes of the key */
#define CRYPTO_SEAL_VERSION	1
#define CRYPTO_SEAL_NONCE	12
#define CRYPTO_SEAL_TAG		16
#define CRYPTO_SEAL_OVERHEAD	(1 + CRYPTO_SEAL_NONCE + CRYPTO_SEAL_TAG)
/* Seals in (len bytes) into *out (caller frees), *outlen. 0 or -1. */
int		 crypto_seal(const unsigned char *key, const char *aad,
		    const void *in, size_t len, unsigned char **out,
		    size_t *outlen, char **cause);
/*
 * Opens what crypto_seal made under the same key and aad into *out
 * (caller cleanses and frees; NUL-terminated, not counted in *outlen).
 * A wrong key, another aad or any changed byte (the tag does not match):
 * -2 with *cause, so a caller with several keys tries the next one; a
 * value no key can open (too short, another version) or a failure of
 * the library: -1 with *cause.
 */
int		 crypto_open(const unsigned char *key, const char *aad,
		    const unsigned char *in, size_t len, unsigned char **out,
		    size_t *outlen, char **cause);
/*
 * A name for a seal key that can be printed: the first 4 bytes of its
 * SHA-256 in hex (8 digits and a NUL in id), so an error or a listing
 * can say which key it tried without showing it.
 */
#define CRYPTO_SEAL_KEY_ID	9
void		 crypto_seal_key_id(const unsigned char *key,
		    char id[CRYPTO_SEAL_KEY_ID]);

#endif
