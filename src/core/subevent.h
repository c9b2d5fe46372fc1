/* One subscriber-database event (SPEC §5), the row type shared by the Arrow
 * and CSV readers/writers, the generator, the validator and the index. */
#ifndef CG_SUBEVENT_H
#define CG_SUBEVENT_H

#include <stdint.h>

enum cg_sub_event_type {
    CG_EV_NEW_SUBSCRIBER = 0,
    CG_EV_CHANGE_DEVICE = 1,
    CG_EV_CHANGE_SIM = 2,
    CG_EV_RELEASE_NUMBER = 3,
    CG_EV_ASSIGN_NUMBER = 4
};

typedef struct cg_sub_event {
    int64_t ts_ms;   /* UTC milliseconds */
    uint8_t type;    /* enum cg_sub_event_type */
    uint64_t imsi;
    uint64_t msisdn; /* 0 = null */
    uint64_t imei;   /* 0 = null */
    uint32_t mccmnc;
} cg_sub_event;

#endif
