/*
 * check_crypto.c: unit tests of lib/base64url.c and lib/crypto.c against
 * the published vectors: RFC 4648 (base64url), RFC 7515 appendices A.1
 * (HS256), A.2 (RS256, deterministic: compared byte for byte) and A.3
 * (ES256: our signature and the RFC's both verified as raw r||s), RFC 7638
 * section 3.1 (thumbprint) and RFC 9773 section 4.1 (ARI certificate id);
 * CSRs and certificates are parsed back with OpenSSL.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base64url.h"
#include "clock.h"
#include "crypto.h"
#include "unit.h"

static char	 tdir[256];

/* RFC 7515 A.2 key (the RSA JWK of the appendix). */
static const char *const a2[] = {
	/* n */ "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
	/* e */ "AQAB",
	/* d */ "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
	/* p */ "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
	/* q */ "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
	/* dp */ "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
	/* dq */ "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
	/* qi */ "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U",
};
static const char a2_sig[] = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
/* The payload of A.1-A.3: {"iss":"joe",\r\n "exp":1300819380,\r\n ...}. */
static const char rfc_payload[] = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
/* RFC 7515 A.3 key and signature. */
static const char a3_x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char a3_y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
static const char a3_d[] = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
static const char a3_sig[] = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
/* RFC 7638 3.1 key. */
static const char r7638_n[] = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

/* A base64url number as a BIGNUM (the test's own decoding). */
static BIGNUM *
b64bn(const char *s)
{
	unsigned char	*bin;
	size_t		 len;
	BIGNUM		*bn;

	ck_assert_int_eq(base64url_decode(s, strlen(s), &bin, &len), 0);
	bn = BN_bin2bn(bin, (int)len, NULL);
	ck_assert_ptr_nonnull(bn);
	free(bin);
	return (bn);
}

/* An RSA key from JWK members: n, e and, when d != NULL, the private ones. */
static EVP_PKEY *
rsa_key(const char *const *m, int private)
{
	static const char *const names[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1
	};
	OSSL_PARAM_BLD	*bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*key = NULL;
	BIGNUM		*bn[8];
	int		 i, n = private ? 8 : 2;

	for (i = 0; i < n; i++) {
		bn[i] = b64bn(m[i]);
		ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]),
		    1);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &key, private ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < n; i++)
		BN_free(bn[i]);
	return (key);
}

/* The RFC 7515 A.3 P-256 key pair. */
static EVP_PKEY *
ec_key(void)
{
	OSSL_PARAM_BLD	*bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*key = NULL;
	BIGNUM		*x = b64bn(a3_x), *y = b64bn(a3_y), *d = b64bn(a3_d);
	unsigned char	 pub[65];

	pub[0] = 4;
	ck_assert_int_eq(BN_bn2binpad(x, pub + 1, 32), 32);
	ck_assert_int_eq(BN_bn2binpad(y, pub + 33, 32), 32);
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    sizeof(pub));
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR,
	    params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(x);
	BN_free(y);
	BN_free(d);
	return (key);
}

/* Verifies a raw r||s P-256 signature over input with key. */
static int
es256_verify(EVP_PKEY *key, const char *input, const unsigned char *sig,
    size_t len)
{
	ECDSA_SIG	*es = ECDSA_SIG_new();
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	unsigned char	*der = NULL;
	int		 derlen, ok;

	ck_assert_uint_eq(len, 64);
	ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32,
	    NULL));
	derlen = i2d_ECDSA_SIG(es, &der);
	ck_assert_int_gt(derlen, 0);
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    key), 1);
	ok = EVP_DigestVerify(md, der, (size_t)derlen,
	    (const unsigned char *)input, strlen(input)) == 1;
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(es);
	return (ok);
}

/* A member of a flattened JWS (the test parses our output with json-c). */
static char *
jws_part(const char *jws, const char *key)
{
	json_object	*obj = json_tokener_parse(jws), *v;
	char		*out;

	ck_assert_ptr_nonnull(obj);
	ck_assert(json_object_object_get_ex(obj, key, &v));
	out = strdup(json_object_get_string(v));
	json_object_put(obj);
	return (out);
}

START_TEST(test_b64u_vectors)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" }, { "\xfb\xff", "-_8" },
	};
	unsigned char	*dec;
	size_t		 i, len;
	char		*enc;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enc = base64url_encode(v[i].in, strlen(v[i].in));
		ck_assert_str_eq(enc, v[i].out);
		free(enc);
		ck_assert_int_eq(base64url_decode(v[i].out, strlen(v[i].out),
		    &dec, &len), 0);
		ck_assert_uint_eq(len, strlen(v[i].in));
		ck_assert(memcmp(dec, v[i].in, len) == 0);
		free(dec);
	}
}
END_TEST

START_TEST(test_b64u_rejects)
{
	static const char *const bad[] = { "Z", "Zh", "Zm9v=", "Zm+v",
	    "Zm/v", "Zm 9v", "Zm9vY" };
	unsigned char	*dec;
	size_t		 i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(base64url_decode(bad[i], strlen(bad[i]), &dec,
		    &len) == -1, "accepted %s", bad[i]);
		ck_assert_ptr_null(dec);
	}
	ck_assert(base64url_valid("abc-_9"));
	ck_assert(!base64url_valid(""));
	ck_assert(!base64url_valid("../x"));
	ck_assert(!base64url_valid(NULL));
}
END_TEST

START_TEST(test_thumbprint_rfc7638)
{
	const char	*m[2] = { r7638_n, "AQAB" };
	EVP_PKEY	*key = rsa_key(m, 0);
	char		*tp, *cause = NULL;

	tp = crypto_jwk_thumbprint(key, &cause);
	ck_assert_ptr_nonnull(tp);
	ck_assert_str_eq(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	free(tp);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_jws_rs256_rfc7515)
{
	EVP_PKEY	*key = rsa_key(a2, 1);
	unsigned char	*payload;
	size_t		 plen;
	char		*jws, *cause = NULL, *p;

	ck_assert_str_eq(crypto_jws_alg(key), "RS256");
	ck_assert_int_eq(base64url_decode(rfc_payload, strlen(rfc_payload),
	    &payload, &plen), 0);
	jws = crypto_jws(key, "{\"alg\":\"RS256\"}", payload, plen, &cause);
	ck_assert_msg(jws != NULL, "%s", cause);
	p = jws_part(jws, "protected");
	ck_assert_str_eq(p, "eyJhbGciOiJSUzI1NiJ9");
	free(p);
	p = jws_part(jws, "payload");
	ck_assert_str_eq(p, rfc_payload);
	free(p);
	p = jws_part(jws, "signature");
	ck_assert_str_eq(p, a2_sig);
	free(p);
	free(jws);
	free(payload);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_jws_es256_rfc7515)
{
	EVP_PKEY	*key = ec_key();
	unsigned char	*payload, *sig;
	size_t		 plen, slen;
	const char	*input;
	char		*jws, *jwk, *cause = NULL, *p;

	ck_assert_str_eq(crypto_jws_alg(key), "ES256");
	ck_assert(crypto_key_is_type(key, CRYPTO_KEY_EC256));
	ck_assert(!crypto_key_is_type(key, CRYPTO_KEY_RSA2048));
	jwk = crypto_jwk(key, &cause);
	ck_assert_str_eq(jwk, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":"
	    "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":"
	    "\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}");
	free(jwk);
	/* The RFC's own signature verifies as raw r||s. */
	input = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MT"
	    "kzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
	ck_assert_int_eq(base64url_decode(a3_sig, strlen(a3_sig), &sig, &slen),
	    0);
	ck_assert(es256_verify(key, input, sig, slen));
	free(sig);
	/* Ours: same signing input, a fresh signature that verifies. */
	ck_assert_int_eq(base64url_decode(rfc_payload, strlen(rfc_payload),
	    &payload, &plen), 0);
	jws = crypto_jws(key, "{\"alg\":\"ES256\"}", payload, plen, &cause);
	ck_assert_msg(jws != NULL, "%s", cause);
	p = jws_part(jws, "protected");
	ck_assert_str_eq(p, "eyJhbGciOiJFUzI1NiJ9");
	free(p);
	p = jws_part(jws, "signature");
	ck_assert_int_eq(base64url_decode(p, strlen(p), &sig, &slen), 0);
	ck_assert(es256_verify(key, input, sig, slen));
	free(sig);
	free(p);
	free(jws);
	free(payload);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_jws_hs256_rfc7515)
{
	static const char k64[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_"
	    "T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
	unsigned char	*key, *payload;
	size_t		 klen, plen;
	char		*jws, *cause = NULL, *p;

	ck_assert_int_eq(base64url_decode(k64, strlen(k64), &key, &klen), 0);
	ck_assert_int_eq(base64url_decode(rfc_payload, strlen(rfc_payload),
	    &payload, &plen), 0);
	jws = crypto_jws_hmac(key, klen, "{\"typ\":\"JWT\",\r\n \"alg\":"
	    "\"HS256\"}", payload, plen, &cause);
	ck_assert_msg(jws != NULL, "%s", cause);
	p = jws_part(jws, "signature");
	ck_assert_str_eq(p, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
	free(p);
	free(jws);
	free(key);
	free(payload);
}
END_TEST

START_TEST(test_key_files)
{
	EVP_PKEY	*key, *back;
	struct stat	 sb;
	char		 path[512], *cause = NULL, *j1, *j2;
	int		 created = 0;

	snprintf(path, sizeof(path), "%s/k.pem", tdir);
	unlink(path);
	key = crypto_key_load_or_new(path, CRYPTO_KEY_EC256, &created, &cause);
	ck_assert_msg(key != NULL, "%s", cause);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	back = crypto_key_load_or_new(path, CRYPTO_KEY_RSA2048, &created,
	    &cause);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(created, 0);
	j1 = crypto_jwk(key, &cause);
	j2 = crypto_jwk(back, &cause);
	ck_assert_str_eq(j1, j2);
	free(j1);
	free(j2);
	EVP_PKEY_free(key);
	EVP_PKEY_free(back);
	/* Garbage is refused with the path in the message. */
	{
		FILE	*f = fopen(path, "w");

		fputs("not a key\n", f);
		fclose(f);
	}
	ck_assert_ptr_null(crypto_key_load(path, &cause));
	ck_assert_ptr_nonnull(strstr(cause, path));
	free(cause);
	unlink(path);
}
END_TEST

START_TEST(test_key_types)
{
	enum crypto_key_type	 t;
	EVP_PKEY		*key;
	char			*cause = NULL, *jwk;

	ck_assert_int_eq(crypto_key_type_parse("rsa2048", &t), 0);
	ck_assert_int_eq(t, CRYPTO_KEY_RSA2048);
	ck_assert_int_eq(crypto_key_type_parse("dsa", &t), -1);
	key = crypto_key_new(CRYPTO_KEY_RSA2048, &cause);
	ck_assert_ptr_nonnull(key);
	ck_assert_str_eq(crypto_jws_alg(key), "RS256");
	jwk = crypto_jwk(key, &cause);
	ck_assert(strncmp(jwk, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"", 29) == 0);
	free(jwk);
	EVP_PKEY_free(key);
	key = crypto_key_new(CRYPTO_KEY_EC384, &cause);
	ck_assert_str_eq(crypto_jws_alg(key), "ES384");
	{
		unsigned char	*sig;
		size_t		 slen;

		ck_assert_int_eq(crypto_sign(key, "x", 1, &sig, &slen, &cause),
		    0);
		ck_assert_uint_eq(slen, 96);
		free(sig);
	}
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_csr)
{
	static const char *const names[] = { "example.test",
	    "www.example.test", "api.example.test" };
	EVP_PKEY			*key;
	X509_REQ			*req;
	STACK_OF(X509_EXTENSION)	*exts;
	GENERAL_NAMES			*gens;
	const unsigned char		*p;
	unsigned char			*der;
	char				 cn[128], *cause = NULL;
	size_t				 len;
	int				 i;

	key = crypto_key_new(CRYPTO_KEY_EC256, &cause);
	ck_assert_int_eq(crypto_csr(key, names, 3, &der, &len, &cause), 0);
	p = der;
	req = d2i_X509_REQ(NULL, &p, (long)len);
	ck_assert_ptr_nonnull(req);
	ck_assert_int_eq(X509_REQ_verify(req, key), 1);
	X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req),
	    NID_commonName, cn, sizeof(cn));
	ck_assert_str_eq(cn, "example.test");
	exts = X509_REQ_get_extensions(req);
	gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	ck_assert_ptr_nonnull(gens);
	ck_assert_int_eq(sk_GENERAL_NAME_num(gens), 3);
	for (i = 0; i < 3; i++) {
		GENERAL_NAME	*g = sk_GENERAL_NAME_value(gens, i);

		ck_assert_int_eq(g->type, GEN_DNS);
		ck_assert_str_eq((const char *)ASN1_STRING_get0_data(
		    g->d.dNSName), names[i]);
	}
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	free(der);
	ck_assert_int_eq(crypto_csr(key, names, 0, &der, &len, &cause), -1);
	free(cause);
	EVP_PKEY_free(key);
}
END_TEST

/*
 * A certificate with RFC 9773's example AKI and serial, SANs names, signed by
 * key; as PEM (caller frees).
 */
static char *
make_cert(EVP_PKEY *key, const char *san)
{
	static const unsigned char kid[] = { 0x69, 0x88, 0x5B, 0x6B, 0x87,
	    0x46, 0x40, 0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C,
	    0xDE, 0x01, 0xC8, 0xD4 };
	X509		*x = X509_new();
	X509_EXTENSION	*ext;
	AUTHORITY_KEYID	*akid = AUTHORITY_KEYID_new();
	BIGNUM		*bn = NULL;
	BIO		*bio = BIO_new(BIO_s_mem());
	X509_NAME	*name = X509_NAME_new();
	char		*data, *out;
	long		 len;

	BN_hex2bn(&bn, "87654321");
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_set_version(x, 2);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Test CA", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_subject_name(x, name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 90 * 86400);
	X509_set_pubkey(x, key);
	akid->keyid = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(akid->keyid, kid, sizeof(kid));
	X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, 0);
	AUTHORITY_KEYID_free(akid);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	PEM_write_bio_X509(bio, x);
	len = BIO_get_mem_data(bio, &data);
	out = strndup(data, (size_t)len);
	BIO_free(bio);
	X509_free(x);
	return (out);
}

START_TEST(test_cert_parse_ari)
{
	struct crypto_cert	 c;
	EVP_PKEY		*key;
	char			*pem, *cause = NULL;

	key = crypto_key_new(CRYPTO_KEY_EC256, &cause);
	pem = make_cert(key, "DNS:a.example.test,DNS:b.example.test");
	ck_assert_int_eq(crypto_cert_parse(pem, strlen(pem), &c, &cause), 0);
	ck_assert_uint_eq(c.nnames, 2);
	ck_assert_str_eq(c.names[0], "a.example.test");
	ck_assert_str_eq(c.names[1], "b.example.test");
	ck_assert_str_eq(c.serial, "87654321");
	ck_assert_str_eq(c.issuer_cn, "Test CA");
	/* RFC 9773 4.1's example: the serial gets its DER leading zero. */
	ck_assert_str_eq(c.ari_id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	ck_assert_int_eq(c.not_after - c.not_before, 90 * 86400);
	crypto_cert_cleanup(&c);
	crypto_cert_cleanup(&c);
	ck_assert_int_eq(crypto_cert_parse("junk", 4, &c, &cause), -1);
	free(cause);
	free(pem);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_chain_check)
{
	static const char *const names[] = { "a.example.test" };
	static const char *const other[] = { "c.example.test" };
	EVP_PKEY	*key, *key2;
	char		*pem, *two, *leaf, *chain, *cause = NULL, *bad;

	key = crypto_key_new(CRYPTO_KEY_EC256, &cause);
	key2 = crypto_key_new(CRYPTO_KEY_EC256, &cause);
	pem = make_cert(key, "DNS:a.example.test");
	ck_assert_int_ne(asprintf(&two, "%s%s\n", pem, pem), -1);
	ck_assert_int_eq(crypto_chain_check(two, strlen(two), key, names, 1,
	    &leaf, &chain, &cause), 0);
	ck_assert_str_eq(leaf, pem);
	ck_assert_str_eq(chain, pem);
	free(leaf);
	free(chain);
	ck_assert(crypto_chain_has_issuer(two, strlen(two), "Test CA"));
	ck_assert(!crypto_chain_has_issuer(two, strlen(two), "Other CA"));
	ck_assert_int_eq(crypto_chain_check(two, strlen(two), key2, names, 1,
	    &leaf, &chain, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "does not match"));
	free(cause);
	ck_assert_int_eq(crypto_chain_check(two, strlen(two), key, other, 1,
	    &leaf, &chain, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "lacks the name c.example.test"));
	free(cause);
	ck_assert_int_ne(asprintf(&bad, "%s<html>oops</html>\n", pem), -1);
	ck_assert_int_eq(crypto_chain_check(bad, strlen(bad), key, names, 1,
	    &leaf, &chain, &cause), -1);
	free(cause);
	ck_assert_int_eq(crypto_chain_check("", 0, key, names, 1, &leaf,
	    &chain, &cause), -1);
	free(cause);
	free(bad);
	free(two);
	free(pem);
	EVP_PKEY_free(key);
	EVP_PKEY_free(key2);
}
END_TEST

/* A loopback listener nobody accepts on; *port gets its port. */
static int
mute_listener(char *port, size_t size)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(port, size, "%u", (unsigned)ntohs(sin.sin_port));
	return (fd);
}

/*
 * crypto_tls_peer: a refused port and a peer that never answers the
 * handshake (the kernel accepted the connection, nobody reads) fail
 * within the timeout, with the reason.
 */
START_TEST(test_tls_peer_fails)
{
	struct crypto_cert	 c;
	char			*cause = NULL, port[16];
	long long		 t0;
	int			 fd;

	fd = mute_listener(port, sizeof(port));
	t0 = clock_ms();
	ck_assert_int_eq(crypto_tls_peer("127.0.0.1", port, "www.example.test",
	    300, &c, &cause), -1);
	ck_assert_msg(clock_ms() - t0 < 5000, "took %lld ms", clock_ms() - t0);
	ck_assert_msg(strstr(cause, "no answer within 300 ms") != NULL, "%s",
	    cause);
	free(cause);
	cause = NULL;
	crypto_cert_cleanup(&c);
	close(fd);
	/* The same port, closed now: refused. */
	ck_assert_int_eq(crypto_tls_peer("127.0.0.1", port, NULL, 300, &c,
	    &cause), -1);
	ck_assert_msg(strstr(cause, "Connection refused") != NULL, "%s", cause);
	free(cause);
	crypto_cert_cleanup(&c);
}
END_TEST

/*
 * crypto_tls_peer against a real TLS server (a child process on a
 * loopback port, OpenSSL's server side): the serial and dates of the
 * certificate it presents, and the server name it was asked for.
 */
START_TEST(test_tls_peer_reads)
{
	struct crypto_cert	 c;
	EVP_PKEY		*key;
	SSL_CTX			*ctx;
	SSL			*ssl;
	X509			*x;
	BIO			*bio;
	const char		*sn;
	char			*pem, *cause = NULL, port[16], got[256];
	ssize_t			 n;
	pid_t			 pid;
	int			 fd, cfd, p[2], status;

	key = crypto_key_new(CRYPTO_KEY_EC256, &cause);
	ck_assert_ptr_nonnull(key);
	pem = make_cert(key, "DNS:www.example.test");
	bio = BIO_new_mem_buf(pem, -1);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ck_assert_ptr_nonnull(x);
	fd = mute_listener(port, sizeof(port));
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		/*
		 * The server: one handshake, the SNI to the pipe; 20 s. No
		 * TLS 1.3 session tickets: SSL_accept would write them after
		 * the client's Finished, when crypto_tls_peer may have closed
		 * already (EPIPE, or SIGPIPE: the SNI never written; 1 run in
		 * 3 under make check on a loaded machine).
		 */
		alarm(20);
		signal(SIGPIPE, SIG_IGN);
		ctx = SSL_CTX_new(TLS_server_method());
		if (ctx == NULL || SSL_CTX_set_num_tickets(ctx, 0) != 1 ||
		    SSL_CTX_use_certificate(ctx, x) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
		    (cfd = accept(fd, NULL, NULL)) == -1 ||
		    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, cfd) != 1)
			_exit(1);
		if (SSL_accept(ssl) == 1) {
			sn = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
			if (sn == NULL)
				sn = "(none)";
			(void)write(p[1], sn, strlen(sn));
		}
		_exit(0);
	}
	ck_assert_int_ne(pid, -1);
	close(p[1]);
	ck_assert_msg(crypto_tls_peer("127.0.0.1", port, "www.example.test",
	    10000, &c, &cause) == 0, "%s", cause);
	ck_assert_str_eq(c.serial, "87654321");
	ck_assert_int_gt(c.not_after, time(NULL) + 89 * 86400);
	ck_assert_uint_eq(c.nnames, 1);
	ck_assert_str_eq(c.names[0], "www.example.test");
	crypto_cert_cleanup(&c);
	n = read(p[0], got, sizeof(got) - 1);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	ck_assert_str_eq(got, "www.example.test");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(p[0]);
	close(fd);
	X509_free(x);
	EVP_PKEY_free(key);
	free(pem);
}
END_TEST

/* Seal and open: a round trip, and every way to break it fails. */
START_TEST(test_seal)
{
	unsigned char	 key[CRYPTO_SEAL_KEY], key2[CRYPTO_SEAL_KEY];
	unsigned char	*a = NULL, *b = NULL, *pt = NULL;
	static const char msg[] = "-----BEGIN PRIVATE KEY-----\nsecret\n";
	char		*cause = NULL;
	size_t		 alen, blen, ptlen, i;

	memset(key, 7, sizeof(key));
	memset(key2, 7, sizeof(key2));
	key2[31] ^= 1;
	ck_assert_int_eq(crypto_seal(key, "www", msg, strlen(msg), &a, &alen,
	    &cause), 0);
	ck_assert_uint_eq(alen, strlen(msg) + CRYPTO_SEAL_OVERHEAD);
	ck_assert_int_eq(crypto_seal(key, "www", msg, strlen(msg), &b, &blen,
	    &cause), 0);
	/* a fresh nonce each time */
	ck_assert_int_ne(memcmp(a, b, alen), 0);
	ck_assert_int_eq(crypto_open(key, "www", a, alen, &pt, &ptlen,
	    &cause), 0);
	ck_assert_uint_eq(ptlen, strlen(msg));
	ck_assert_str_eq((char *)pt, msg);
	free(pt);
	/* another key, another name: refused, -2 (try the next key) */
	ck_assert_int_eq(crypto_open(key2, "www", a, alen, &pt, &ptlen,
	    &cause), -2);
	ck_assert_ptr_null(pt);
	ck_assert_ptr_nonnull(strstr(cause, "does not open"));
	free(cause);
	ck_assert_int_eq(crypto_open(key, "api", a, alen, &pt, &ptlen,
	    &cause), -2);
	free(cause);
	/* every single flipped bit, in the nonce, the text or the tag */
	for (i = 1; i < alen; i++) {
		a[i] ^= 0x10;
		ck_assert_int_eq(crypto_open(key, "www", a, alen, &pt, &ptlen,
		    &cause), -2);
		ck_assert_ptr_null(pt);
		free(cause);
		a[i] ^= 0x10;
	}
	/* cut short (the tag is then wrong, or missing), unknown version */
	ck_assert_int_eq(crypto_open(key, "www", a, alen - 1, &pt, &ptlen,
	    &cause), -2);
	free(cause);
	ck_assert_int_eq(crypto_open(key, "www", a, CRYPTO_SEAL_OVERHEAD - 1,
	    &pt, &ptlen, &cause), -1);
	free(cause);
	a[0] = 2;
	ck_assert_int_eq(crypto_open(key, "www", a, alen, &pt, &ptlen,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "version 2"));
	free(cause);
	/* key ids: 8 hex digits, one per key, never the key's bytes */
	{
		char	 id1[CRYPTO_SEAL_KEY_ID], id2[CRYPTO_SEAL_KEY_ID];

		crypto_seal_key_id(key, id1);
		crypto_seal_key_id(key2, id2);
		ck_assert_uint_eq(strlen(id1), 8);
		ck_assert_uint_eq(strspn(id1, "0123456789abcdef"), 8);
		ck_assert_str_ne(id1, id2);
		ck_assert_str_ne(id1, "07070707");
		crypto_seal_key_id(key, id2);
		ck_assert_str_eq(id1, id2);
	}
	/* an empty secret seals too */
	free(b);
	ck_assert_int_eq(crypto_seal(key, "", "", 0, &b, &blen, &cause), 0);
	ck_assert_int_eq(crypto_open(key, "", b, blen, &pt, &ptlen, &cause), 0);
	ck_assert_uint_eq(ptlen, 0);
	free(pt);
	free(a);
	free(b);
}
END_TEST

/*
 * crypto_open against a published vector: McGrew and Viega's GCM test
 * case 14 (AES-256, zero key, zero IV, one zero block, no AAD).
 */
START_TEST(test_seal_vector)
{
	static const unsigned char sealed[] = { CRYPTO_SEAL_VERSION,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e,
	    0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18,
	    0xd0, 0xd1, 0xc8, 0xa7, 0x99, 0x99, 0x6b, 0xf0,
	    0x26, 0x5b, 0x98, 0xb5, 0xd4, 0x8a, 0xb9, 0x19 };
	unsigned char	 key[CRYPTO_SEAL_KEY], zero[16], *pt = NULL;
	char		*cause = NULL;
	size_t		 ptlen;

	memset(key, 0, sizeof(key));
	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(crypto_open(key, "", sealed, sizeof(sealed), &pt,
	    &ptlen, &cause), 0);
	ck_assert_uint_eq(ptlen, 16);
	ck_assert_int_eq(memcmp(pt, zero, 16), 0);
	free(pt);
}
END_TEST

static Suite *
crypto_suite(void)
{
	Suite	*s = suite_create("crypto");
	TCase	*tc;

#define ADD(name, fn) do { tc = tcase_create(name); \
	tcase_set_timeout(tc, 30); tcase_add_test(tc, fn); \
	suite_add_tcase(s, tc); } while (0)
	ADD("b64u_vectors", test_b64u_vectors);
	ADD("b64u_rejects", test_b64u_rejects);
	ADD("thumbprint_rfc7638", test_thumbprint_rfc7638);
	ADD("jws_rs256_rfc7515", test_jws_rs256_rfc7515);
	ADD("jws_es256_rfc7515", test_jws_es256_rfc7515);
	ADD("jws_hs256_rfc7515", test_jws_hs256_rfc7515);
	ADD("key_files", test_key_files);
	ADD("key_types", test_key_types);
	ADD("csr", test_csr);
	ADD("cert_parse_ari", test_cert_parse_ari);
	ADD("chain_check", test_chain_check);
	ADD("tls_peer_fails", test_tls_peer_fails);
	ADD("tls_peer_reads", test_tls_peer_reads);
	ADD("seal", test_seal);
	ADD("seal_vector", test_seal_vector);
#undef ADD
	return (s);
}

/* The private folder of the run. */
static int
setup_all(void)
{
	return (unit_mkdtemp(tdir, sizeof(tdir)));
}

/* Removes it. */
static void
teardown_all(void)
{
	unit_rmtree(tdir);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	srunner_add_suite(sr, crypto_suite());
}

const struct unit unit = { "check_crypto", setup_all, teardown_all,
    add_suites };
