/* MLPerf Tiny (EEMBC) test-harness protocol as a harness mode (`tinyrack build --protocol
 * mlperf-tiny`): the firmware waits for '%'-terminated commands on the console UART and answers
 * as the MLPerf Tiny runner (benchmark/runner/device_under_test.py) and the EEMBC EnergyRunner
 * expect; every answer ends with "m-ready". Written from the protocol's public description
 * (mlcommons/tiny benchmark/api), not from its code. Commands:
 *   name                 m-name-dut-[<vendor>]
 *   profile              m-profile-[<fw>] and m-model-[<model>]
 *   timestamp            m-lap-us-<us> (performance mode) or a timestamp-pin pulse (energy)
 *   db load N            m-[Expecting N bytes]        allocate the input buffer
 *   db <hex>             m-load-done once N bytes came; db print dumps the buffer
 *   infer N W            W warm-ups, then N timed inferences between two timestamps, results
 *   results              m-results-[v0,v1,...]        dequantized outputs, 3 decimals
 * Lines the runner ignores (its regular expressions never match them) carry what tinyrack needs
 * to compare bit-exactly with the TR1 harness: m-tr-fw-[id], m-tr-count-<kind>-<n> (the timed
 * invocations' own count, input copies excluded) and m-tr-output-<i>-[<hex>].
 *
 * The input is copied from the buffer before every inference (warm-up and timed): a tinyrack
 * memory plan may reuse the input's arena bytes for later activations, so a second invoke on
 * the same arena would read overwritten input. m-lap-us therefore includes the copies (a few
 * microseconds next to milliseconds of inference); m-tr-count does not. */
#include <string.h>
#include "tr_board.h"
#include "tr_board_rx.h"
#include "tr_mlperf.h"
#include "tr_model.h"

#ifndef TR_FW_ID
#define TR_FW_ID "unknown"
#endif
#ifndef TR_HARNESS_MAIN
#define TR_HARNESS_MAIN main
#endif
/* The runner's command buffer is 80 characters (EE_CMD_SIZE); its longest command is
 * "db " + 62 hex digits. */
#define CMD_SIZE 80u
/* The EEMBC firmware-version string runners match on for the ULPMark-ML benchmark. */
#define FW_VERSION "ULPMark for tinyML Firmware V0.0.1"

static char cmd[CMD_SIZE + 1];
static size_t cmd_len;
static int cmd_overflow;
static size_t db_size;   /* bytes announced by "db load" */
static size_t db_pos;    /* bytes received since */

static void put(const char *s) { tr_board_write(s, strlen(s)); }

static void put_u64(uint64_t v) {
  char b[21];
  int i = 20;
  b[i] = 0;
  do { b[--i] = (char)('0' + v % 10u); v /= 10u; } while (v);
  put(b + i);
}

static void put_hex(const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char b[2];
  for (size_t i = 0; i < n; i++) {
    b[0] = digits[p[i] >> 4];
    b[1] = digits[p[i] & 15u];
    tr_board_write(b, 2);
  }
}

/* "%0.3f" without printf's float support: rounds half away from zero to 1/1000. */
static void put_fixed3(float v) {
  if (v != v) { put("nan"); return; }
  int neg = v < 0;
  double a = neg ? -(double)v : (double)v;
  uint64_t m = (uint64_t)(a * 1000.0 + 0.5);
  if (neg && m) put("-");
  put_u64(m / 1000u);
  char frac[5] = {'.', (char)('0' + (m / 100u) % 10u), (char)('0' + (m / 10u) % 10u), (char)('0' + m % 10u), 0};
  put(frac);
}

/* Microseconds from the board counter: exact cycles / clock on silicon; on QEMU the counter
 * counts instructions, so this is an estimate at one instruction per cycle (the agent labels
 * it so). */
static uint64_t now_us(void) {
  return tr_board_count() * 1000000u / (uint64_t)TR_CLOCK_HZ;
}

static void timestamp(void) {
#if defined(TR_MLPERF_ENERGY)
  /* Energy mode: the EnergyRunner's IO manager timestamps a falling edge of the pin held low
   * for at least 1 us; the DUT's own clock is not the reference, so nothing is printed. */
  tr_board_mark(0);
  for (volatile uint32_t i = 0; i < TR_CLOCK_HZ / 1000000u + 1u; i++) {}
  tr_board_mark(1);
#else
  put("m-lap-us-");
  put_u64(now_us());
  put("\r\n");
#endif
}

static size_t input_bytes_total(void) {
  size_t n = 0;
  for (int i = 0; i < tr_model_info()->num_inputs; i++) n += tr_model_input_bytes(i);
  return n;
}

static void load_inputs(void) {
  size_t off = 0;
  for (int i = 0; i < tr_model_info()->num_inputs; i++) {
    size_t n = tr_model_input_bytes(i);
    memcpy(tr_model_input(i), tr_mlperf_db + off, n);
    off += n;
  }
}

static float output_value(int o, size_t k) {
  const void *p = tr_model_output(o);
  float s = tr_mlperf_output_scale[o];
  int32_t z = tr_mlperf_output_zero_point[o];
  switch (tr_model_output_dtype(o)) {
    case TR_DT_FLOAT32: return ((const float *)p)[k];
    case TR_DT_INT8: return s * (float)(((const int8_t *)p)[k] - z);
    case TR_DT_UINT8: return s * (float)(((const uint8_t *)p)[k] - z);
    case TR_DT_INT16: return s * (float)(((const int16_t *)p)[k] - z);
    case TR_DT_INT32: return s * (float)(((const int32_t *)p)[k] - z);
  }
  return 0;
}

static size_t dtype_size(tr_dtype_t t) {
  switch (t) {
    case TR_DT_FLOAT32: case TR_DT_INT32: return 4;
    case TR_DT_INT16: return 2;
    default: return 1;
  }
}

static void results(void) {
  const tr_model_info_t *info = tr_model_info();
  put("m-results-[");
  int first = 1;
  for (int o = 0; o < info->num_outputs; o++) {
    size_t n = tr_model_output_bytes(o) / dtype_size(tr_model_output_dtype(o));
    for (size_t k = 0; k < n; k++) {
      if (!first) put(",");
      first = 0;
      put_fixed3(output_value(o, k));
    }
  }
  put("]\r\n");
  for (int o = 0; o < info->num_outputs; o++) {
    put("m-tr-output-");
    put_u64((uint64_t)o);
    put("-[");
    put_hex((const uint8_t *)tr_model_output(o), tr_model_output_bytes(o));
    put("]\r\n");
  }
}

/* Parses a non-negative decimal; -1 when s is not one (or absurdly large). */
static long parse_count(const char *s) {
  if (!s || !*s) return -1;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000000L) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void db_command(char *sub, char *arg) {
  if (!sub) { put("e-[Command 'db' requires a subcommand]\r\n"); return; }
  if (strcmp(sub, "load") == 0) {
    long n = parse_count(arg);
    if (n <= 0) { put("e-[Command 'db load' needs a byte count > 0]\r\n"); return; }
    if ((size_t)n > tr_mlperf_db_bytes) {
      put("e-[Buffer of ");
      put_u64((uint64_t)n);
      put(" bytes exceeds the maximum of ");
      put_u64(tr_mlperf_db_bytes);
      put("]\r\n");
      return;
    }
    db_size = (size_t)n;
    db_pos = 0;
    put("m-[Expecting ");
    put_u64((uint64_t)n);
    put(" bytes]\r\n");
    return;
  }
  if (strcmp(sub, "print") == 0) {
    for (size_t i = 0; i < db_pos; i += 8) {
      put("m-buffer-");
      for (size_t k = i; k < i + 8 && k < db_pos; k++) {
        if (k > i) put("-");
        put_hex(tr_mlperf_db + k, 1);
      }
      put("\r\n");
    }
    return;
  }
  size_t len = strlen(sub);
  if (len & 1u) { put("e-[Insufficent number of hex digits]\r\n"); return; }
  if (db_size == 0) { put("e-[Command 'db load N' must come first]\r\n"); return; }
  for (size_t i = 0; i < len; i += 2) {
    int hi = hexval(sub[i]), lo = hexval(sub[i + 1]);
    if (hi < 0 || lo < 0) { put("e-[Invalid hex digit]\r\n"); return; }
    if (db_pos < db_size) tr_mlperf_db[db_pos++] = (uint8_t)(hi * 16 + lo);
    if (db_pos == db_size) { put("m-load-done\r\n"); return; }
  }
}

static void infer_command(char *n_arg, char *w_arg) {
  long n = n_arg ? parse_count(n_arg) : 1;
  long w = w_arg ? parse_count(w_arg) : 10;
  if (n <= 0) { put("e-[Inference iterations must be >0]\r\n"); return; }
  if (w < 0) { put("e-[Inference warmup must be >=0]\r\n"); return; }
  size_t need = input_bytes_total();
  if (db_pos != need) {
    put("e-[Input needs ");
    put_u64(need);
    put(" bytes, the buffer holds ");
    put_u64(db_pos);
    put("]\r\n");
    return;
  }
  put("m-warmup-start-");
  put_u64((uint64_t)w);
  put("\r\n");
  for (long i = 0; i < w; i++) {
    load_inputs();
    if (tr_model_invoke() != 0) { put("e-[Inference failed]\r\n"); return; }
  }
  put("m-warmup-done\r\nm-infer-start-");
  put_u64((uint64_t)n);
  put("\r\n");
  uint64_t counted = 0;
  int rc = 0;
  timestamp();
  /* The timestamp pin is high for the timed loop in performance mode (a PPK2 digital input
   * frames the energy window); energy mode keeps it high and pulses it low at each timestamp. */
#if !defined(TR_MLPERF_ENERGY)
  tr_board_mark(1);
#endif
  for (long i = 0; i < n && rc == 0; i++) {
    load_inputs();
    /* As main.c: the counter's interrupt period restarts here, so an inference shorter than a
     * period never counts the interrupt handler's instructions, whatever ran before it. */
    tr_board_count_align();
    uint64_t t0 = tr_board_count();
    rc = tr_model_invoke();
    counted += tr_board_count() - t0;
  }
#if !defined(TR_MLPERF_ENERGY)
  tr_board_mark(0);
#endif
  timestamp();
  if (rc != 0) { put("e-[Inference failed]\r\n"); return; }
  put("m-infer-done\r\nm-tr-count-" TR_COUNTER_KIND "-");
  put_u64(counted);
  put("\r\n");
  results();
}

static void dispatch(char *line) {
  char *argv[4] = {0, 0, 0, 0};
  int argc = 0;
  for (char *p = line; *p && argc < 4;) {
    while (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t') p++;
    if (!*p) break;
    argv[argc++] = p;
    while (*p && *p != ' ' && *p != '\r' && *p != '\n' && *p != '\t') p++;
    if (*p) *p++ = 0;
  }
  if (cmd_overflow) {
    put("e-[Command longer than 80 characters]\r\n");
  } else if (argc == 0) {
    put("e-[Empty command]\r\n");
  } else if (strcmp(argv[0], "name") == 0) {
    put("m-name-dut-[tinyrack-" TR_BOARD_ID "]\r\n");
  } else if (strcmp(argv[0], "timestamp") == 0) {
    timestamp();
  } else if (strcmp(argv[0], "profile") == 0) {
    put("m-profile-[" FW_VERSION "]\r\nm-model-[");
    put(tr_mlperf_model_version);
    put("]\r\n");
  } else if (strcmp(argv[0], "help") == 0) {
    put(FW_VERSION "\r\n\r\nname, timestamp, profile, db load N, db HEX, db print, infer N [W=10], results\r\n");
  } else if (strcmp(argv[0], "db") == 0) {
    db_command(argv[1], argv[2]);
  } else if (strcmp(argv[0], "infer") == 0) {
    infer_command(argv[1], argv[2]);
  } else if (strcmp(argv[0], "results") == 0) {
    results();
  } else {
    put("e-[Unknown command: ");
    put(argv[0]);
    put("]\r\n");
  }
  put("m-ready\r\n");
}

int TR_HARNESS_MAIN(void) {
  tr_board_init();
#if defined(TR_MLPERF_ENERGY)
  tr_board_mark(1); /* idle high: timestamps are falling edges */
  put("m-timestamp-mode-energy\r\n");
#else
  put("m-timestamp-mode-performance\r\n");
#endif
  put("m-tr-fw-[" TR_FW_ID "]\r\n");
  if (tr_model_init() != 0) {
    /* Nothing can run: say so on every command instead of going silent. */
    for (;;) {
      int c = tr_board_read_byte();
      if (c == '%') put("e-[Model initialisation failed]\r\nm-ready\r\n");
    }
  }
  put("m-init-done\r\nm-ready\r\n");
  for (;;) {
    int c = tr_board_read_byte();
    if (c == '%') {
      cmd[cmd_len] = 0;
      dispatch(cmd);
      cmd_len = 0;
      cmd_overflow = 0;
    } else if (cmd_len < CMD_SIZE) {
      cmd[cmd_len++] = (char)c;
    } else {
      cmd_overflow = 1;
    }
  }
}
