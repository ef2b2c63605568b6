/* The C side of the serial report format (wire/serial.ts, docs/serial-format.md).
 * A record is written as it is built, field by field, with a running CRC, so no line buffer
 * is needed (a 16 KiB board cannot spare one for a long OUT record):
 *
 *   tr_rec_begin("INF"); tr_rec_u32("i", 0); tr_rec_u64("count", n); tr_rec_end();
 *
 * prints "TR1 <seq> INF i=0 count=<n>*<crc32>\r\n". Records must not be interleaved. */
#ifndef TR_REPORT_H
#define TR_REPORT_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where report bytes go (the board's UART, or stdout on the host). */
typedef void (*tr_write_fn)(const char *bytes, size_t len);

/* Resets the sequence number to 0 and sets the byte sink. */
void tr_report_init(tr_write_fn write);
void tr_rec_begin(const char *type);
/* Values must not contain spaces, '=' or '*' (the caller's duty, as in formatRecord). */
void tr_rec_str(const char *key, const char *value);
void tr_rec_u32(const char *key, uint32_t value);
void tr_rec_i32(const char *key, int32_t value);
void tr_rec_u64(const char *key, uint64_t value);
/* Lowercase hex of raw bytes, two digits per byte, in memory order. */
void tr_rec_hex(const char *key, const void *bytes, size_t len);
/* Appends "*<crc>\r\n" and advances the sequence number. */
void tr_rec_end(void);

/* CRC-32 (IEEE 802.3, as zlib) continuation: start with crc = 0. */
uint32_t tr_crc32_update(uint32_t crc, const void *bytes, size_t len);

#ifdef __cplusplus
}
#endif
#endif
