/* Synthetic identities: MSISDN numbering, IMSI, IMEI with Luhn digit and the
 * daily handset changes. Pure functions of (seed, subscriber, day). */
#ifndef CG_IDENT_H
#define CG_IDENT_H

#include <stdint.h>
#include "core/config.h"

typedef struct cg_ident {
    uint64_t msisdn, imsi, imei;
    uint32_t mccmnc;
} cg_ident;

/* Luhn check digit of a number's decimal digits (the digit to append). */
int cg_luhn_digit(uint64_t body);
/* 1 when the last decimal digit of v is the Luhn check digit of the rest. */
int cg_luhn_valid(uint64_t v);
/* Number of decimal digits of v (v = 0 has 1). */
int cg_digits(uint64_t v);

/* Identifiers are digit strings (SPEC 2: "00101" is the standard test
 * network). They travel as numbers; one whose string has leading zeros
 * carries the string's length in bits 59..63 (a "tagged" number), so
 * "0316120000000" and "316120000000" stay different numbers. Untagged
 * numbers are exactly today's: their string is their decimal digits. Real
 * identifiers have at most 15 digits, far below 2^59. */
#define CG_DNUM_SHIFT 59
#define CG_DNUM_MASK ((1ULL << CG_DNUM_SHIFT) - 1)
/* The number for the digit string of value v written with len digits. */
uint64_t cg_dnum(uint64_t v, int len);
/* Digits of x's string (its tag, or its natural digits). */
int cg_dnum_len(uint64_t x);
/* x's value without its tag. */
static inline uint64_t cg_dnum_value(uint64_t x)
{
    return x > CG_DNUM_MASK && (x >> CG_DNUM_SHIFT) <= 19 ? x & CG_DNUM_MASK : x;
}

/* The numbering plan of a run: prefixes as numbers, mccmnc pool. */
typedef struct cg_numbering {
    uint64_t seed;
    uint64_t subs;                       /* population size */
    int n_prefixes;
    uint64_t prefix[CG_MAX_PREFIXES];    /* numeric value */
    int prefix_len[CG_MAX_PREFIXES];     /* digits */
    int n_mccmnc;
    uint32_t mccmnc[CG_MAX_MCCMNC];
    double imei_change_prob;
    uint64_t num_n, num_a, num_ai, num_c; /* number j = (a i + c) mod n */
} cg_numbering;

void cg_numbering_init(cg_numbering *nb, const cg_config *cfg, uint64_t subs);

/* Subscriber i's MSISDN: prefix[i mod P] followed by the 7-digit i div P
 * (the same dense scheme as the subscriber database, SPEC 5). */
uint64_t cg_ident_msisdn(const cg_numbering *nb, uint64_t i);
/* Index of a subscriber MSISDN, or UINT64_MAX when it is not one. */
uint64_t cg_ident_msisdn_index(const cg_numbering *nb, uint64_t msisdn);
/* mccmnc and IMSI of subscriber i: fixed for the run, IMSIs unique. */
uint32_t cg_ident_mccmnc(const cg_numbering *nb, uint64_t i);
uint64_t cg_ident_imsi(const cg_numbering *nb, uint64_t i, uint32_t mccmnc);
/* IMEI of subscriber i on run day d (0-based): a new handset on each day
 * drawn with probability imei_change_prob, kept from that day on. */
uint64_t cg_ident_imei(const cg_numbering *nb, uint64_t i, int d);
/* Builds an IMEI from 8-digit TAC and 6-digit serial. */
uint64_t cg_imei_make(uint32_t tac, uint32_t serial);
/* A TAC from a small pool of real-looking handset type codes. */
uint32_t cg_imei_tac(uint64_t r);

/* A random MSISDN that is not a subscriber (off-net peer), from r. */
struct cg_rng;
uint64_t cg_ident_offnet(const cg_numbering *nb, struct cg_rng *r);

#endif
