/*
 * monotonic.h: the time since an arbitrary start that never jumps (CLOCK_MONOTONIC), for
 * deadlines and durations; wall-clock time is for log lines only.
 */
#ifndef NOTES_MONOTONIC_H
#define NOTES_MONOTONIC_H

#include <time.h>

static inline long long
monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline long long
monotonic_ms(void)
{
    return monotonic_us() / 1000;
}

#endif
