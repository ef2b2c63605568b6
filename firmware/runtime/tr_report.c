/* Serial report records, byte-identical to formatRecord() in wire/serial.ts (tested by
 * test/firmware/report-format.test.ts, which builds this file for the host). */
#include "tr_report.h"

static tr_write_fn sink;
static uint32_t seq;
static uint32_t crc; /* running CRC of the current record, pre-inverted state */

/* Nibble-wise table: 64 bytes of rodata instead of 1 KiB; plenty fast for console lines. */
static const uint32_t crc_nibble[16] = {
  0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
  0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
  0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};

static uint32_t crc_step(uint32_t state, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    state ^= p[i];
    state = (state >> 4) ^ crc_nibble[state & 0xf];
    state = (state >> 4) ^ crc_nibble[state & 0xf];
  }
  return state;
}

uint32_t tr_crc32_update(uint32_t c, const void *bytes, size_t len) {
  return crc_step(c ^ 0xffffffffu, (const uint8_t *)bytes, len) ^ 0xffffffffu;
}

void tr_report_init(tr_write_fn write) {
  sink = write;
  seq = 0;
}

/* Writes body bytes: they count towards the CRC. */
static void put(const char *s, size_t n) {
  crc = crc_step(crc, (const uint8_t *)s, n);
  if (sink) sink(s, n);
}

static void put_str(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  put(s, n);
}

static void put_u64(uint64_t v) {
  char buf[20];
  int n = 0;
  do { buf[sizeof buf - 1 - n++] = (char)('0' + (int)(v % 10u)); v /= 10u; } while (v);
  put(buf + sizeof buf - n, (size_t)n);
}

void tr_rec_begin(const char *type) {
  crc = 0xffffffffu;
  put("TR1 ", 4);
  put_u64(seq);
  put(" ", 1);
  put_str(type);
}

static void key_eq(const char *key) {
  put(" ", 1);
  put_str(key);
  put("=", 1);
}

void tr_rec_str(const char *key, const char *value) { key_eq(key); put_str(value); }
void tr_rec_u32(const char *key, uint32_t value) { key_eq(key); put_u64(value); }
void tr_rec_u64(const char *key, uint64_t value) { key_eq(key); put_u64(value); }

void tr_rec_i32(const char *key, int32_t value) {
  key_eq(key);
  if (value < 0) {
    put("-", 1);
    put_u64((uint64_t)(-(int64_t)value));
  } else {
    put_u64((uint64_t)value);
  }
}

void tr_rec_hex(const char *key, const void *bytes, size_t len) {
  static const char digits[] = "0123456789abcdef";
  const uint8_t *p = (const uint8_t *)bytes;
  char chunk[32];
  key_eq(key);
  size_t used = 0;
  for (size_t i = 0; i < len; i++) {
    chunk[used++] = digits[p[i] >> 4];
    chunk[used++] = digits[p[i] & 0xf];
    if (used == sizeof chunk) { put(chunk, used); used = 0; }
  }
  if (used) put(chunk, used);
}

void tr_rec_end(void) {
  static const char digits[] = "0123456789abcdef";
  uint32_t c = crc ^ 0xffffffffu;
  char tail[11];
  tail[0] = '*';
  for (int i = 0; i < 8; i++) tail[1 + i] = digits[(c >> (28 - 4 * i)) & 0xf];
  tail[9] = '\r';
  tail[10] = '\n';
  if (sink) sink(tail, sizeof tail);
  seq++;
}

/* Per-op profile records (tr_profile.h). A model built without profiling does not define
 * tr_model_profile, and this weak default keeps the harness the same for every build. */
#include "tr_profile.h"

__attribute__((weak)) const tr_profile_t *tr_model_profile(void) { return 0; }

void tr_profile_report(void) {
  const tr_profile_t *p = tr_model_profile();
  if (!p) return;
  tr_rec_begin("PROF");
  tr_rec_u32("ops", p->ops);
  tr_rec_u32("reads", p->cal_reads);
  tr_rec_u64("cost", p->cal_count);
  tr_rec_end();
  for (uint32_t k = 0; k < p->ops; k++) {
    tr_rec_begin("PROFOP");
    tr_rec_u32("n", k);
    tr_rec_u32("op", p->index[k]);
    tr_rec_str("kind", p->kind[k]);
    tr_rec_u64("count", p->stamps[k + 1] - p->stamps[k]);
    tr_rec_end();
  }
}
