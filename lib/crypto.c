/*
 * crypto.c: keys, JWK, JWS, CSRs and certificate reading on OpenSSL 3 EVP;
 * see crypto.h for the contract.
 *
 * Design: a thin wrapper in the spirit of uacme's crypto layer. Every
 * OpenSSL object lives between its _new and the single "out:" label of the
 * function that made it; nothing is cached. Private key bytes that pass
 * through memory (PEM text) are cleansed before they are freed.
 *
 * Sealing (crypto_seal/crypto_open) is AES-256-GCM through EVP_CIPHER:
 * a fresh random nonce per seal (RAND_bytes), the tag checked before any
 * plaintext is handed out. crypto_open tells a tag that does not match
 * (-2: try another key) from a value no key opens (-1), for the key
 * lists of [acme] store_key; crypto_seal_key_id names a key in errors.
 *
 * Caveats: ECDSA signatures are converted from OpenSSL's DER ECDSA-Sig to
 * the fixed-size r||s JWS needs (RFC 7518 section 3.4); forgetting the
 * padding of a short r or s is the classic bug, hence BN_bn2binpad. JWK
 * members are emitted in lexicographic order with no blanks, which is the
 * RFC 7638 canonical form, so the thumbprint hashes exactly that text.
 *
 * crypto_tls_peer is the one TLS client of the project besides libcurl's
 * (lib/httpc.c): a handshake, no request, to read the certificate a
 * server presents. It never verifies it: the question is what is served,
 * not whether to trust it.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base64url.h"
#include "cause.h"
#include "clock.h"
#include "crypto.h"
#include "fs.h"

#define CRYPTO_MAX_KEY_FILE	(64 * 1024)
#define CRYPTO_MAX_CERT_FILE	(1024 * 1024)

static const char *const crypto_type_names[] = {
	"ec256", "ec384", "rsa2048", "rsa3072", "rsa4096"
};

/*
 * Sets *cause (lib/cause.h) to the formatted text plus the oldest queued
 * OpenSSL error, and empties OpenSSL's error queue. Returns -1 for
 * "return (crypto_fail())".
 */
static int __attribute__((format(printf, 2, 3)))
crypto_fail(char **cause, const char *fmt, ...)
{
	char		 ebuf[256];
	unsigned long	 e;
	va_list		 ap;
	int		 mine = cause != NULL && *cause == NULL;

	e = ERR_peek_error();
	ERR_clear_error();
	va_start(ap, fmt);
	(void)cause_vset(cause, fmt, ap);
	va_end(ap);
	if (mine && e != 0) {
		ERR_error_string_n(e, ebuf, sizeof(ebuf));
		cause_suffix(cause, " (%s)", ebuf);
	}
	return (-1);
}

/* See crypto.h. */
int
crypto_key_type_parse(const char *s, enum crypto_key_type *type)
{
	size_t	 i;

	for (i = 0; i < sizeof(crypto_type_names) / sizeof(*crypto_type_names);
	    i++) {
		if (s != NULL && strcmp(s, crypto_type_names[i]) == 0) {
			*type = (enum crypto_key_type)i;
			return (0);
		}
	}
	return (-1);
}

/* See crypto.h. */
const char *
crypto_key_type_name(enum crypto_key_type type)
{
	if ((size_t)type >= sizeof(crypto_type_names) /
	    sizeof(*crypto_type_names))
		return ("?");
	return (crypto_type_names[type]);
}

/* "P-256"/"P-384" for an EC key, NULL for anything else. */
static const char *
crypto_ec_crv(EVP_PKEY *key)
{
	char	 group[64];

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return (NULL);
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) != 1) {
		ERR_clear_error();
		return (NULL);
	}
	if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
		return ("P-256");
	if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
		return ("P-384");
	return (NULL);
}

/* See crypto.h. */
int
crypto_key_is_type(EVP_PKEY *key, enum crypto_key_type type)
{
	const char	*crv = crypto_ec_crv(key);

	switch (type) {
	case CRYPTO_KEY_EC256:
		return (crv != NULL && strcmp(crv, "P-256") == 0);
	case CRYPTO_KEY_EC384:
		return (crv != NULL && strcmp(crv, "P-384") == 0);
	case CRYPTO_KEY_RSA2048:
		return (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
		    EVP_PKEY_get_bits(key) == 2048);
	case CRYPTO_KEY_RSA3072:
		return (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
		    EVP_PKEY_get_bits(key) == 3072);
	case CRYPTO_KEY_RSA4096:
		return (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
		    EVP_PKEY_get_bits(key) == 4096);
	}
	return (0);
}

/* See crypto.h. */
EVP_PKEY *
crypto_key_new(enum crypto_key_type type, char **cause)
{
	EVP_PKEY	*key = NULL;

	*cause = NULL;
	switch (type) {
	case CRYPTO_KEY_EC256:
		key = EVP_EC_gen("P-256");
		break;
	case CRYPTO_KEY_EC384:
		key = EVP_EC_gen("P-384");
		break;
	case CRYPTO_KEY_RSA2048:
		key = EVP_RSA_gen(2048);
		break;
	case CRYPTO_KEY_RSA3072:
		key = EVP_RSA_gen(3072);
		break;
	case CRYPTO_KEY_RSA4096:
		key = EVP_RSA_gen(4096);
		break;
	}
	if (key == NULL)
		crypto_fail(cause, "cannot generate a %s key",
		    crypto_key_type_name(type));
	return (key);
}

/* See crypto.h. */
EVP_PKEY *
crypto_key_parse(const char *pem, size_t len, char **cause)
{
	BIO		*bio;
	EVP_PKEY	*key = NULL;

	*cause = NULL;
	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		crypto_fail(cause, "cannot read the key");
		return (NULL);
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (key == NULL) {
		crypto_fail(cause, "not a PEM private key");
		return (NULL);
	}
	if (crypto_jws_alg(key) == NULL) {
		EVP_PKEY_free(key);
		crypto_fail(cause, "unsupported key type (want EC P-256, "
		    "P-384 or RSA)");
		return (NULL);
	}
	return (key);
}

/* See crypto.h. */
EVP_PKEY *
crypto_key_load(const char *path, char **cause)
{
	EVP_PKEY	*key;
	char		*pem = NULL, *why = NULL;
	size_t		 len = 0;

	*cause = NULL;
	if (fs_read_file(path, CRYPTO_MAX_KEY_FILE, &pem, &len, cause) != 0)
		return (NULL);
	key = crypto_key_parse(pem, len, &why);
	OPENSSL_cleanse(pem, len);
	free(pem);
	if (key == NULL) {
		cause_set(cause, "%s: %s", path, why != NULL ? why :
		    "cannot read the key");
		free(why);
	}
	return (key);
}

/* See crypto.h. */
char *
crypto_key_pem(EVP_PKEY *key, size_t *lenp, char **cause)
{
	BIO	*bio;
	char	*data, *out = NULL;
	long	 len;

	*cause = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL) != 1) {
		crypto_fail(cause, "cannot encode the key");
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0 || (out = malloc((size_t)len + 1)) == NULL) {
		crypto_fail(cause, "cannot encode the key");
		goto out;
	}
	memcpy(out, data, (size_t)len);
	out[len] = '\0';
	OPENSSL_cleanse(data, (size_t)len);
	if (lenp != NULL)
		*lenp = (size_t)len;
out:
	BIO_free(bio);
	return (out);
}

/* See crypto.h. */
int
crypto_key_save(const char *path, EVP_PKEY *key, char **cause)
{
	char	*pem;
	size_t	 len = 0;
	int	 rc;

	*cause = NULL;
	if ((pem = crypto_key_pem(key, &len, cause)) == NULL)
		return (-1);
	rc = fs_write_atomic(path, pem, len, 0600, cause);
	OPENSSL_cleanse(pem, len);
	free(pem);
	return (rc);
}

/* See crypto.h. */
EVP_PKEY *
crypto_key_load_or_new(const char *path, enum crypto_key_type type,
    int *created, char **cause)
{
	EVP_PKEY	*key;

	*cause = NULL;
	if (created != NULL)
		*created = 0;
	if (access(path, F_OK) == 0 || errno != ENOENT)
		return (crypto_key_load(path, cause));
	if ((key = crypto_key_new(type, cause)) == NULL)
		return (NULL);
	if (crypto_key_save(path, key, cause) != 0) {
		EVP_PKEY_free(key);
		return (NULL);
	}
	if (created != NULL)
		*created = 1;
	return (key);
}

/* See crypto.h. */
const char *
crypto_jws_alg(EVP_PKEY *key)
{
	const char	*crv;

	if (key == NULL)
		return (NULL);
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
		return (EVP_PKEY_get_bits(key) >= 2048 ? "RS256" : NULL);
	if ((crv = crypto_ec_crv(key)) == NULL)
		return (NULL);
	return (strcmp(crv, "P-256") == 0 ? "ES256" : "ES384");
}

/* base64url of a big number's big-endian bytes, padded to pad bytes (or not, 0). */
static char *
crypto_bn_b64u(const BIGNUM *bn, int pad)
{
	unsigned char	*bin;
	char		*out;
	int		 n;

	n = pad > 0 ? pad : BN_num_bytes(bn);
	if (n <= 0 || (bin = malloc((size_t)n)) == NULL)
		return (NULL);
	if (BN_bn2binpad(bn, bin, n) != n) {
		free(bin);
		return (NULL);
	}
	out = base64url_encode(bin, (size_t)n);
	free(bin);
	return (out);
}

/* See crypto.h. */
char *
crypto_jwk(EVP_PKEY *key, char **cause)
{
	BIGNUM		*a = NULL, *b = NULL;
	char		*sa = NULL, *sb = NULL, *out = NULL;
	const char	*crv;
	int		 size;

	*cause = NULL;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
		if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &a) != 1 ||
		    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &b) != 1) {
			crypto_fail(cause, "cannot read the RSA key");
			goto out;
		}
		sa = crypto_bn_b64u(a, 0);
		sb = crypto_bn_b64u(b, 0);
		if (sa == NULL || sb == NULL ||
		    asprintf(&out, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
		    sa, sb) == -1) {
			out = NULL;
			crypto_fail(cause, "out of memory");
		}
		goto out;
	}
	if ((crv = crypto_ec_crv(key)) == NULL) {
		crypto_fail(cause, "unsupported key type");
		goto out;
	}
	size = strcmp(crv, "P-256") == 0 ? 32 : 48;
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &a) != 1 ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &b) != 1) {
		crypto_fail(cause, "cannot read the EC key");
		goto out;
	}
	sa = crypto_bn_b64u(a, size);
	sb = crypto_bn_b64u(b, size);
	if (sa == NULL || sb == NULL || asprintf(&out,
	    "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    crv, sa, sb) == -1) {
		out = NULL;
		crypto_fail(cause, "out of memory");
	}
out:
	BN_free(a);
	BN_free(b);
	free(sa);
	free(sb);
	return (out);
}

/* See crypto.h. */
char *
crypto_sha256_b64u(const void *data, size_t len, char **cause)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		*out;

	*cause = NULL;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		crypto_fail(cause, "SHA-256 failed");
		return (NULL);
	}
	if ((out = base64url_encode(md, mdlen)) == NULL)
		crypto_fail(cause, "out of memory");
	return (out);
}

/* See crypto.h. */
char *
crypto_jwk_thumbprint(EVP_PKEY *key, char **cause)
{
	char	*jwk, *out;

	if ((jwk = crypto_jwk(key, cause)) == NULL)
		return (NULL);
	out = crypto_sha256_b64u(jwk, strlen(jwk), cause);
	free(jwk);
	return (out);
}

/* See crypto.h. */
int
crypto_sign(EVP_PKEY *key, const void *data, size_t len, unsigned char **sig,
    size_t *siglen, char **cause)
{
	EVP_MD_CTX		*ctx = NULL;
	ECDSA_SIG		*es = NULL;
	const BIGNUM		*r, *s;
	const EVP_MD		*md;
	const unsigned char	*p;
	const char		*alg;
	unsigned char		*der = NULL, *raw = NULL;
	size_t			 derlen = 0;
	int			 half, rc = -1;

	*cause = NULL;
	*sig = NULL;
	*siglen = 0;
	if ((alg = crypto_jws_alg(key)) == NULL)
		return (crypto_fail(cause, "unsupported key type"));
	md = strcmp(alg, "ES384") == 0 ? EVP_sha384() : EVP_sha256();
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, md, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &derlen, data, len) != 1 ||
	    (der = malloc(derlen)) == NULL ||
	    EVP_DigestSign(ctx, der, &derlen, data, len) != 1) {
		crypto_fail(cause, "cannot sign");
		goto out;
	}
	if (alg[0] == 'R') {
		*sig = der;
		*siglen = derlen;
		der = NULL;
		rc = 0;
		goto out;
	}
	/* ECDSA: DER ECDSA-Sig -> fixed-size r||s (RFC 7518 3.4). */
	half = strcmp(alg, "ES256") == 0 ? 32 : 48;
	p = der;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL ||
	    (raw = malloc((size_t)half * 2)) == NULL) {
		crypto_fail(cause, "cannot convert the ECDSA signature");
		goto out;
	}
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, raw, half) != half ||
	    BN_bn2binpad(s, raw + half, half) != half) {
		crypto_fail(cause, "cannot convert the ECDSA signature");
		goto out;
	}
	*sig = raw;
	*siglen = (size_t)half * 2;
	raw = NULL;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	free(der);
	free(raw);
	return (rc);
}

/*
 * Builds the flattened JWS around a signature function: hmac set means
 * HS256 with key/keylen, else pkey signs.
 */
static char *
crypto_jws_build(EVP_PKEY *pkey, const unsigned char *key, size_t keylen,
    const char *protected, const void *payload, size_t len, char **cause)
{
	unsigned char	*sig = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		*ph = NULL, *pl = NULL, *input = NULL, *s64 = NULL;
	char		*out = NULL;
	size_t		 siglen = 0;

	*cause = NULL;
	ph = base64url_encode(protected, strlen(protected));
	pl = base64url_encode(payload, len);
	if (ph == NULL || pl == NULL ||
	    asprintf(&input, "%s.%s", ph, pl) == -1) {
		input = NULL;
		crypto_fail(cause, "out of memory");
		goto out;
	}
	if (pkey != NULL) {
		if (crypto_sign(pkey, input, strlen(input), &sig, &siglen,
		    cause) != 0)
			goto out;
		s64 = base64url_encode(sig, siglen);
	} else {
		if (HMAC(EVP_sha256(), key, (int)keylen,
		    (const unsigned char *)input, strlen(input), md,
		    &mdlen) == NULL) {
			crypto_fail(cause, "HMAC failed");
			goto out;
		}
		s64 = base64url_encode(md, mdlen);
	}
	if (s64 == NULL || asprintf(&out,
	    "{\"protected\":\"%s\",\"payload\":\"%s\",\"signature\":\"%s\"}",
	    ph, pl, s64) == -1) {
		out = NULL;
		crypto_fail(cause, "out of memory");
	}
out:
	free(ph);
	free(pl);
	free(input);
	free(sig);
	free(s64);
	return (out);
}

/* See crypto.h. */
char *
crypto_jws(EVP_PKEY *key, const char *protected, const void *payload,
    size_t len, char **cause)
{
	return (crypto_jws_build(key, NULL, 0, protected, payload, len,
	    cause));
}

/* See crypto.h. */
char *
crypto_jws_hmac(const unsigned char *key, size_t keylen, const char *protected,
    const void *payload, size_t len, char **cause)
{
	if (keylen == 0 || keylen > INT_MAX) {
		*cause = NULL;
		crypto_fail(cause, "empty HMAC key");
		return (NULL);
	}
	return (crypto_jws_build(NULL, key, keylen, protected, payload, len,
	    cause));
}

/* An address literal's bytes into ip: 4 or 16, or 0 if name is none. */
static int
crypto_ip(const char *name, unsigned char *ip)
{
	if (inet_pton(AF_INET, name, ip) == 1)
		return (4);
	if (inet_pton(AF_INET6, name, ip) == 1)
		return (16);
	return (0);
}

/* An iPAddress SAN as text (inet_ntop); 0, or -1 if not 4 or 16 bytes. */
static int
crypto_ip_text(const ASN1_OCTET_STRING *o, char *buf, size_t size)
{
	int	 len = ASN1_STRING_length(o);

	if (len != 4 && len != 16)
		return (-1);
	return (inet_ntop(len == 4 ? AF_INET : AF_INET6,
	    ASN1_STRING_get0_data(o), buf, (socklen_t)size) != NULL ? 0 : -1);
}

/* See crypto.h. */
int
crypto_csr(EVP_PKEY *key, const char *const *names, size_t n,
    unsigned char **der, size_t *lenp, char **cause)
{
	X509_REQ			*req = NULL;
	X509_NAME			*subj = NULL;
	GENERAL_NAMES			*gens = NULL;
	GENERAL_NAME			*gen;
	ASN1_IA5STRING			*ia5;
	ASN1_OCTET_STRING		*oct;
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	unsigned char			*p, ip[16];
	size_t				 i;
	int				 len, iplen, rc = -1;

	*cause = NULL;
	*der = NULL;
	*lenp = 0;
	if (n == 0)
		return (crypto_fail(cause, "a CSR needs at least one name"));
	if ((req = X509_REQ_new()) == NULL || (subj = X509_NAME_new()) == NULL ||
	    (gens = GENERAL_NAMES_new()) == NULL ||
	    X509_REQ_set_version(req, 0) != 1) {
		crypto_fail(cause, "out of memory");
		goto out;
	}
	/*
	 * RFC 5280: CN is at most 64 characters; SANs carry the rest. An
	 * address goes in the SANs only (RFC 8738 7: no CN with an IP).
	 */
	if (strlen(names[0]) <= 64 && crypto_ip(names[0], ip) == 0 &&
	    X509_NAME_add_entry_by_NID(subj,
	    NID_commonName, MBSTRING_UTF8, (const unsigned char *)names[0],
	    -1, -1, 0) != 1) {
		crypto_fail(cause, "bad name '%s'", names[0]);
		goto out;
	}
	if (X509_REQ_set_subject_name(req, subj) != 1)
		goto ossl;
	for (i = 0; i < n; i++) {
		if ((gen = GENERAL_NAME_new()) == NULL)
			goto ossl;
		if ((iplen = crypto_ip(names[i], ip)) > 0) {
			if ((oct = ASN1_OCTET_STRING_new()) == NULL ||
			    ASN1_OCTET_STRING_set(oct, ip, iplen) != 1) {
				ASN1_OCTET_STRING_free(oct);
				GENERAL_NAME_free(gen);
				goto ossl;
			}
			GENERAL_NAME_set0_value(gen, GEN_IPADD, oct);
		} else if ((ia5 = ASN1_IA5STRING_new()) == NULL ||
		    ASN1_STRING_set(ia5, names[i], -1) != 1) {
			ASN1_IA5STRING_free(ia5);
			GENERAL_NAME_free(gen);
			goto ossl;
		}
		else
			GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
		if (sk_GENERAL_NAME_push(gens, gen) == 0) {
			GENERAL_NAME_free(gen);
			goto ossl;
		}
	}
	if (X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, 0, 0) != 1 ||
	    X509_REQ_add_extensions(req, exts) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1 ||
	    X509_REQ_sign(req, key, crypto_jws_alg(key) != NULL &&
	    strcmp(crypto_jws_alg(key), "ES384") == 0 ? EVP_sha384() :
	    EVP_sha256()) <= 0)
		goto ossl;
	if ((len = i2d_X509_REQ(req, NULL)) <= 0 ||
	    (*der = malloc((size_t)len)) == NULL)
		goto ossl;
	p = *der;
	if (i2d_X509_REQ(req, &p) != len) {
		free(*der);
		*der = NULL;
		goto ossl;
	}
	*lenp = (size_t)len;
	rc = 0;
	goto out;
ossl:
	crypto_fail(cause, "cannot build the CSR");
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(subj);
	X509_REQ_free(req);
	return (rc);
}

/* See crypto.h. */
void
crypto_cert_init(struct crypto_cert *c)
{
	memset(c, 0, sizeof(*c));
}

/* See crypto.h. */
void
crypto_cert_cleanup(struct crypto_cert *c)
{
	size_t	 i;

	for (i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	free(c->serial);
	free(c->issuer_cn);
	free(c->ari_id);
	crypto_cert_init(c);
}

/* An ASN1_TIME as a time_t; -1 when it cannot be read. */
static time_t
crypto_asn1_time(const ASN1_TIME *t)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return ((time_t)-1);
	return (timegm(&tm));
}

/* The commonName of name, or "" (caller frees; NULL on ENOMEM). */
static char *
crypto_name_cn(X509_NAME *name)
{
	char	 buf[256];

	buf[0] = '\0';
	if (name == NULL ||
	    X509_NAME_get_text_by_NID(name, NID_commonName, buf,
	    sizeof(buf)) < 0)
		buf[0] = '\0';
	return (strdup(buf));
}

/* RFC 9773 4.1: b64u(AKI keyIdentifier) "." b64u(DER serial content). */
static char *
crypto_ari_id(X509 *x)
{
	const ASN1_OCTET_STRING	*aki;
	unsigned char		*der = NULL, *p;
	char			*a = NULL, *b = NULL, *out = NULL;
	int			 len;

	if ((aki = X509_get0_authority_key_id(x)) == NULL)
		return (NULL);
	len = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), NULL);
	/* Serials are at most 20 bytes: one tag and one short length byte. */
	if (len < 3 || len > 127 || (der = malloc((size_t)len)) == NULL)
		return (NULL);
	p = der;
	if (i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &p) != len)
		goto out;
	a = base64url_encode(ASN1_STRING_get0_data(aki),
	    (size_t)ASN1_STRING_length(aki));
	b = base64url_encode(der + 2, (size_t)len - 2);
	if (a != NULL && b != NULL && asprintf(&out, "%s.%s", a, b) == -1)
		out = NULL;
out:
	free(der);
	free(a);
	free(b);
	return (out);
}

/* Fills c from x. 0 or -1 (ENOMEM or unreadable dates). */
static int
crypto_cert_fill(X509 *x, struct crypto_cert *c, char **cause)
{
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*g;
	BIGNUM			*bn = NULL;
	char			*hex = NULL;
	int			 i, n;
	char			 iptext[INET6_ADDRSTRLEN];

	c->not_before = crypto_asn1_time(X509_get0_notBefore(x));
	c->not_after = crypto_asn1_time(X509_get0_notAfter(x));
	if (c->not_before == (time_t)-1 || c->not_after == (time_t)-1)
		return (crypto_fail(cause, "unreadable validity dates"));
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
	if (n > 0 && (c->names = calloc((size_t)n, sizeof(char *))) == NULL) {
		GENERAL_NAMES_free(gens);
		return (crypto_fail(cause, "out of memory"));
	}
	for (i = 0; i < n; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_IPADD) {
			if (crypto_ip_text(g->d.iPAddress, iptext,
			    sizeof(iptext)) != 0)
				continue;
			c->names[c->nnames] = strdup(iptext);
		} else if (g->type == GEN_DNS)
			c->names[c->nnames] = strndup((const char *)
			    ASN1_STRING_get0_data(g->d.dNSName),
			    (size_t)ASN1_STRING_length(g->d.dNSName));
		else
			continue;
		if (c->names[c->nnames] == NULL) {
			GENERAL_NAMES_free(gens);
			return (crypto_fail(cause, "out of memory"));
		}
		c->nnames++;
	}
	GENERAL_NAMES_free(gens);
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
	    (hex = BN_bn2hex(bn)) == NULL ||
	    (c->serial = strdup(hex)) == NULL) {
		BN_free(bn);
		OPENSSL_free(hex);
		return (crypto_fail(cause, "cannot read the serial"));
	}
	BN_free(bn);
	OPENSSL_free(hex);
	if ((c->issuer_cn = crypto_name_cn(X509_get_issuer_name(x))) == NULL)
		return (crypto_fail(cause, "out of memory"));
	c->ari_id = crypto_ari_id(x);
	ERR_clear_error();
	return (0);
}

/* The first certificate of a PEM text; NULL with *cause. */
static X509 *
crypto_x509_parse(const char *pem, size_t len, char **cause)
{
	BIO	*bio;
	X509	*x;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		crypto_fail(cause, "out of memory");
		return (NULL);
	}
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL)
		crypto_fail(cause, "not a PEM certificate");
	return (x);
}

/* See crypto.h. */
int
crypto_cert_parse(const char *pem, size_t len, struct crypto_cert *c,
    char **cause)
{
	X509	*x;
	int	 rc;

	*cause = NULL;
	crypto_cert_init(c);
	if ((x = crypto_x509_parse(pem, len, cause)) == NULL)
		return (-1);
	rc = crypto_cert_fill(x, c, cause);
	X509_free(x);
	if (rc != 0)
		crypto_cert_cleanup(c);
	return (rc);
}

/* See crypto.h. */
int
crypto_cert_load(const char *path, struct crypto_cert *c, char **cause)
{
	char	*pem = NULL, *why = NULL;
	size_t	 len = 0;
	int	 rc;

	*cause = NULL;
	crypto_cert_init(c);
	if (fs_read_file(path, CRYPTO_MAX_CERT_FILE, &pem, &len, cause) != 0)
		return (-1);
	rc = crypto_cert_parse(pem, len, c, &why);
	free(pem);
	if (rc != 0) {
		cause_set(cause, "%s: %s", path, why != NULL ? why :
		    "unreadable");
		free(why);
	}
	return (rc);
}

/* See crypto.h. */
int
crypto_cert_der(const char *pem, size_t len, unsigned char **der,
    size_t *derlen, char **cause)
{
	X509		*x;
	unsigned char	*p;
	int		 n;

	*cause = NULL;
	*der = NULL;
	*derlen = 0;
	if ((x = crypto_x509_parse(pem, len, cause)) == NULL)
		return (-1);
	if ((n = i2d_X509(x, NULL)) <= 0 || (*der = malloc((size_t)n)) == NULL) {
		X509_free(x);
		return (crypto_fail(cause, "cannot encode the certificate"));
	}
	p = *der;
	(void)i2d_X509(x, &p);
	*derlen = (size_t)n;
	X509_free(x);
	return (0);
}

/* Appends x as PEM to bio; 0 or -1. */
static int
crypto_x509_pem(BIO *bio, X509 *x)
{
	return (PEM_write_bio_X509(bio, x) == 1 ? 0 : -1);
}

/* The contents of a memory BIO as a new string; NULL on ENOMEM. */
static char *
crypto_bio_str(BIO *bio)
{
	char	*data, *out;
	long	 len;

	len = BIO_get_mem_data(bio, &data);
	if (len < 0 || (out = malloc((size_t)len + 1)) == NULL)
		return (NULL);
	if (len > 0)
		memcpy(out, data, (size_t)len);
	out[len] = '\0';
	return (out);
}

/*
 * True if x carries name as a dNSName SAN (ASCII case-insensitive), or
 * an address as an iPAddress SAN.
 */
static int
crypto_x509_has_name(X509 *x, const char *name)
{
	unsigned char	 ip[16];

	if (crypto_ip(name, ip) > 0)
		return (X509_check_ip_asc(x, name, 0) == 1);
	return (X509_check_host(x, name, strlen(name),
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1 ||
	    (name[0] == '*' && X509_check_host(x, name + 2, strlen(name + 2),
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1));
}

/* See crypto.h. */
int
crypto_chain_check(const char *pem, size_t len, EVP_PKEY *key,
    const char *const *names, size_t n, char **leaf, char **chain,
    char **cause)
{
	BIO		*in = NULL, *lb = NULL, *cb = NULL;
	X509		*x = NULL;
	const char	*p;
	size_t		 i;
	int		 count = 0, rc = -1;

	*cause = NULL;
	*leaf = *chain = NULL;
	if (len > INT_MAX || (in = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (lb = BIO_new(BIO_s_mem())) == NULL ||
	    (cb = BIO_new(BIO_s_mem())) == NULL) {
		crypto_fail(cause, "out of memory");
		goto out;
	}
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		if (count == 0) {
			if (key != NULL && X509_check_private_key(x, key) != 1) {
				crypto_fail(cause, "the certificate does not "
				    "match the private key");
				goto out;
			}
			for (i = 0; i < n; i++)
				if (!crypto_x509_has_name(x, names[i])) {
					crypto_fail(cause, "the certificate "
					    "lacks the name %s", names[i]);
					goto out;
				}
		}
		if (crypto_x509_pem(count == 0 ? lb : cb, x) != 0) {
			crypto_fail(cause, "out of memory");
			goto out;
		}
		X509_free(x);
		x = NULL;
		count++;
	}
	ERR_clear_error();	/* the end of input is reported as an error */
	/* Only blanks may follow the last certificate. */
	for (p = pem + len; p > pem && (p[-1] == '\n' || p[-1] == '\r' ||
	    p[-1] == ' ' || p[-1] == '\t'); p--)
		;
	if (count == 0 || (size_t)(p - pem) < strlen("-----END CERTIFICATE-----") ||
	    strncmp(p - strlen("-----END CERTIFICATE-----"),
	    "-----END CERTIFICATE-----", strlen("-----END CERTIFICATE-----"))
	    != 0) {
		crypto_fail(cause, count == 0 ? "no certificate in the reply" :
		    "the reply holds more than PEM certificates");
		goto out;
	}
	if ((*leaf = crypto_bio_str(lb)) == NULL ||
	    (*chain = crypto_bio_str(cb)) == NULL) {
		free(*leaf);
		*leaf = NULL;
		crypto_fail(cause, "out of memory");
		goto out;
	}
	rc = 0;
out:
	X509_free(x);
	BIO_free(in);
	BIO_free(lb);
	BIO_free(cb);
	return (rc);
}

/* See crypto.h. */
int
crypto_chain_has_issuer(const char *pem, size_t len, const char *cn)
{
	BIO	*in;
	X509	*x;
	char	*icn, *scn;
	int	 found = 0;

	if (len > INT_MAX || (in = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return (0);
	while (!found && (x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		icn = crypto_name_cn(X509_get_issuer_name(x));
		scn = crypto_name_cn(X509_get_subject_name(x));
		found = (icn != NULL && strcmp(icn, cn) == 0) ||
		    (scn != NULL && strcmp(scn, cn) == 0);
		free(icn);
		free(scn);
		X509_free(x);
	}
	ERR_clear_error();
	BIO_free(in);
	return (found);
}

/*
 * Connects to one of host:port's addresses before deadline (a monotonic
 * clock_ms time): the connected non-blocking socket, or -1 with *cause.
 */
static int
crypto_tcp_connect(const char *host, const char *port, long long deadline,
    char **cause)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	socklen_t	 elen;
	int		 fd = -1, e = ECONNREFUSED, soerr, g;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((g = getaddrinfo(host, port, &hints, &res)) != 0)
		return (cause_set(cause, "%s: %s", host, gai_strerror(g)));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol)) == -1) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		if (e == EINPROGRESS) {
			if (clock_wait_fd(fd, POLLOUT, deadline) == 0)
				e = ETIMEDOUT;
			else {
				elen = sizeof(soerr);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
				    &elen) != 0)
					soerr = errno;
				if ((e = soerr) == 0)
					break;
			}
		}
		(void)close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		cause_set(cause, "connect %s port %s: %s", host, port,
		    strerror(e));
	return (fd);
}

/* See crypto.h. */
int
crypto_tls_peer(const char *host, const char *port, const char *sni,
    long timeout_ms, struct crypto_cert *c, char **cause)
{
	SSL_CTX		*ctx = NULL;
	SSL		*ssl = NULL;
	X509		*x = NULL;
	long long	 deadline = clock_ms() + timeout_ms;
	unsigned char	 ip[16];
	short		 ev;
	int		 fd, r, err, rc = -1;

	*cause = NULL;
	crypto_cert_init(c);
	if ((fd = crypto_tcp_connect(host, port, deadline, cause)) == -1)
		return (-1);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		crypto_fail(cause, "TLS to %s port %s", host, port);
		goto out;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	/* RFC 6066 3: a server name, never an address literal. */
	if (sni != NULL && *sni != '\0' && inet_pton(AF_INET, sni, ip) != 1 &&
	    inet_pton(AF_INET6, sni, ip) != 1 &&
	    SSL_set_tlsext_host_name(ssl, sni) != 1) {
		crypto_fail(cause, "TLS to %s port %s: server name %s", host,
		    port, sni);
		goto out;
	}
	while ((r = SSL_connect(ssl)) != 1) {
		err = SSL_get_error(ssl, r);
		if (err == SSL_ERROR_WANT_READ)
			ev = POLLIN;
		else if (err == SSL_ERROR_WANT_WRITE)
			ev = POLLOUT;
		else {
			crypto_fail(cause, "TLS handshake with %s port %s "
			    "failed%s", host, port, err == SSL_ERROR_SYSCALL ?
			    " (the connection was closed)" : "");
			goto out;
		}
		if (clock_wait_fd(fd, ev, deadline) == 0) {
			cause_set(cause, "TLS handshake with %s port %s: no "
			    "answer within %ld ms", host, port, timeout_ms);
			goto out;
		}
	}
	if ((x = SSL_get1_peer_certificate(ssl)) == NULL) {
		cause_set(cause, "%s port %s presents no certificate", host,
		    port);
		goto out;
	}
	rc = crypto_cert_fill(x, c, cause);
	if (rc != 0)
		crypto_cert_cleanup(c);
out:
	X509_free(x);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	(void)close(fd);
	ERR_clear_error();
	return (rc);
}

/* See crypto.h. */
int
crypto_seal(const unsigned char *key, const char *aad, const void *in,
    size_t len, unsigned char **out, size_t *outlen, char **cause)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*buf = NULL, *nonce;
	int		 n, rc = -1;

	*cause = NULL;
	*out = NULL;
	*outlen = 0;
	if (len > INT_MAX - CRYPTO_SEAL_OVERHEAD)
		return (cause_set(cause, "seal: %zu bytes is too much", len));
	if ((buf = malloc(len + CRYPTO_SEAL_OVERHEAD)) == NULL)
		return (cause_set(cause, "out of memory"));
	buf[0] = CRYPTO_SEAL_VERSION;
	nonce = buf + 1;
	if (RAND_bytes(nonce, CRYPTO_SEAL_NONCE) != 1 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, buf + 1 + CRYPTO_SEAL_NONCE, &n, in,
	    (int)len) != 1 || (size_t)n != len ||
	    EVP_EncryptFinal_ex(ctx, buf + 1 + CRYPTO_SEAL_NONCE + n,
	    &n) != 1 || n != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_SEAL_TAG,
	    buf + 1 + CRYPTO_SEAL_NONCE + len) != 1) {
		crypto_fail(cause, "seal: AES-256-GCM failed");
		goto out;
	}
	*out = buf;
	*outlen = len + CRYPTO_SEAL_OVERHEAD;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(buf);
	return (rc);
}

/* See crypto.h. */
int
crypto_open(const unsigned char *key, const char *aad, const unsigned char *in,
    size_t len, unsigned char **out, size_t *outlen, char **cause)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*buf = NULL, tag[CRYPTO_SEAL_TAG];
	size_t		 ctlen;
	int		 n, rc = -1;

	*cause = NULL;
	*out = NULL;
	*outlen = 0;
	if (len < CRYPTO_SEAL_OVERHEAD || len > INT_MAX)
		return (cause_set(cause, "sealed value of %zu bytes: too "
		    "short", len));
	if (in[0] != CRYPTO_SEAL_VERSION)
		return (cause_set(cause, "sealed value of version %u: not "
		    "%d", in[0], CRYPTO_SEAL_VERSION));
	ctlen = len - CRYPTO_SEAL_OVERHEAD;
	memcpy(tag, in + len - CRYPTO_SEAL_TAG, sizeof(tag));
	if ((buf = malloc(ctlen + 1)) == NULL)
		return (cause_set(cause, "out of memory"));
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key,
	    in + 1) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(ctx, buf, &n, in + 1 + CRYPTO_SEAL_NONCE,
	    (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_SEAL_TAG,
	    tag) != 1) {
		crypto_fail(cause, "open: AES-256-GCM failed");
		goto out;
	}
	if (EVP_DecryptFinal_ex(ctx, buf + n, &n) != 1) {
		/* The tag: another key, another aad, or a changed byte. */
		ERR_clear_error();
		cause_set(cause, "the sealed value does not open with this "
		    "key (wrong key, another name, or changed)");
		rc = -2;
		goto out;
	}
	buf[ctlen] = '\0';
	*out = buf;
	*outlen = ctlen;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (buf != NULL)
		OPENSSL_cleanse(buf, ctlen);
	free(buf);
	return (rc);
}

/* See crypto.h. */
void
crypto_seal_key_id(const unsigned char *key, char id[CRYPTO_SEAL_KEY_ID])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	if (EVP_Digest(key, CRYPTO_SEAL_KEY, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen < 4) {
		ERR_clear_error();
		(void)snprintf(id, CRYPTO_SEAL_KEY_ID, "????????");
		return;
	}
	(void)snprintf(id, CRYPTO_SEAL_KEY_ID, "%02x%02x%02x%02x", md[0],
	    md[1], md[2], md[3]);
	OPENSSL_cleanse(md, sizeof(md));
}
