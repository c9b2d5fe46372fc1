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
