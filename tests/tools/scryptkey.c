/*
 * scryptkey PASSFILE OPSLIMIT MEMLIMIT: reads a minisign secret key without
 * a passphrase on standard input and writes it encrypted with the first
 * line of PASSFILE, as minisign -G does, but with the scrypt limits given
 * (minisign and bb-sign read them from the key).  minisign -G always takes
 * 1 GiB and seconds a derivation; the tests use this for small, fast keys
 * in the same format.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <sodium.h>

#define KEYLEN		158	/* alg[2] kdf[2] chk[2] salt[32] ops[8] mem[8] */
#define SALTOFF		6
#define OPSOFF		38
#define MEMOFF		46
#define ENCOFF		54	/* keynum[8] sk[64] chk[32] */
#define ENCLEN		104

static void
le64_store(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int
main(int argc, char *argv[])
{
	unsigned char key[KEYLEN], stream[ENCLEN];
	char line[512], pass[256], b64[512];
	unsigned long long ops, mem;
	size_t len, i;
	FILE *fp;

	if (argc != 4)
		errx(EX_USAGE, "usage: scryptkey passfile opslimit memlimit");
	ops = strtoull(argv[2], NULL, 10);
	mem = strtoull(argv[3], NULL, 10);
	if (sodium_init() == -1)
		errx(EX_SOFTWARE, "sodium_init");
	if ((fp = fopen(argv[1], "r")) == NULL ||
	    fgets(pass, sizeof(pass), fp) == NULL)
		err(EX_NOINPUT, "%s", argv[1]);
	fclose(fp);
	pass[strcspn(pass, "\n")] = '\0';
	if (fgets(line, sizeof(line), stdin) == NULL ||
	    fgets(line, sizeof(line), stdin) == NULL)
		errx(EX_DATAERR, "stdin: not a key of two lines");
	line[strcspn(line, "\r\n")] = '\0';
	if (sodium_base642bin(key, sizeof(key), line, strlen(line), NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || len != KEYLEN ||
	    memcmp(key, "Ed\0\0B2", 6) != 0)
		errx(EX_DATAERR, "stdin: not a minisign secret key without "
		    "a passphrase");
	memcpy(key + 2, "Sc", 2);
	randombytes_buf(key + SALTOFF, 32);
	le64_store(key + OPSOFF, ops);
	le64_store(key + MEMOFF, mem);
	if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof(stream), pass,
	    strlen(pass), key + SALTOFF, ops, (size_t)mem) != 0)
		errx(EX_SOFTWARE, "scrypt");
	for (i = 0; i < ENCLEN; i++)
		key[ENCOFF + i] ^= stream[i];
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key),
	    sodium_base64_VARIANT_ORIGINAL);
	printf("untrusted comment: minisign encrypted secret key\n%s\n", b64);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
