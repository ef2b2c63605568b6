/* tinyrack C kernel library: one op per file under firmware/runtime/kernels/.
 *
 * Conventions
 * - C99, freestanding-friendly: no malloc, no stdio; int8 paths use only integer arithmetic
 *   (int32_t accumulators, int64_t in the fixed-point helpers) exactly like TFLite's reference
 *   integer kernels, so results are bit-exact with tinyrack's reference interpreter.
 * - Every parameter (quantized multipliers, shifts, offsets, clamps, LUTs) is computed by the
 *   generator at build time and handed over in a const params struct (flash).
 * - Activations are addressed through views (tr_view4_t): shape plus element strides for
 *   batch/row/pixel (channels are contiguous). A kernel can thus read a channel slice or a
 *   spatial window of a bigger tensor, and write into a channel offset of a concatenation,
 *   without copies.
 * - Optimized variants (tr_<op>_<variant>) take exactly the reference signature; they may read
 *   the extra precomputed fields marked "optimized variants" (e.g. a bias with the input
 *   offset folded in) that the generator fills when it selects them.
 */
#ifndef TR_KERNELS_H
#define TR_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#include "tr_fixedpoint.h"

/* Float kernels must round every multiply and add separately (no fused multiply-add) to stay
 * bit-exact with the reference interpreter; GNU C contracts by default on FPU targets. */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__cplusplus)
#pragma GCC optimize("fp-contract=off")
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A 4-D NHWC activation view. Strides are in elements; the channel stride is 1. */
typedef struct {
  int32_t n, h, w, c;
  int32_t sn, sh, sw;
} tr_view4_t;

/* ---- CONV_2D ---------------------------------------------------------------------------- */
typedef struct {
  tr_view4_t in, out;
  int32_t filter_h, filter_w;      /* filter is dense OHWI with I == in.c */
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  int32_t input_offset;            /* -input zero point */
  int32_t output_offset;           /* output zero point */
  int32_t act_min, act_max;
  const int32_t *out_mult;         /* per output channel */
  const int32_t *out_shift;        /* per output channel */
  /* optimized variants: bias[oc] + input_offset * sum(filter[oc]) (NULL when not generated) */
  const int32_t *bias_folded;
  /* optimized variants: filter_w * in.c copies of the input zero point, read in place of
   * taps outside the input (they then contribute 0 on top of bias_folded) */
  const int8_t *pad_row;
  /* optimized variants: single-rounding requantization per channel (tr_fixedpoint.h), or NULL */
  const tr_rq_t *rq;
  /* 'xnnpack' arithmetic: per-channel float32 scale; when set, every kernel variant
   * requantizes as XNNPACK does (tr_rq_fp32) instead of with out_mult/out_shift */
  const float *fscale;
} tr_conv_s8_params_t;

void tr_conv2d_s8(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                  const int32_t *bias, int8_t *out);
void tr_conv2d_s8_fast(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                       const int32_t *bias, int8_t *out);
typedef struct {
  tr_view4_t in, out;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  float act_min, act_max;
} tr_conv_f32_params_t;

void tr_conv2d_f32(const tr_conv_f32_params_t *p, const float *in, const float *filter,
                   const float *bias, float *out);

/* ---- DEPTHWISE_CONV_2D -------------------------------------------------------------------- */
typedef struct {
  tr_view4_t in, out;               /* out.c == in.c * depth_multiplier */
  int32_t filter_h, filter_w;       /* filter is dense 1 x H x W x out.c */
  int32_t depth_multiplier;
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  const int32_t *out_mult;
  const int32_t *out_shift;
  const int32_t *bias_folded;       /* optimized variants, see tr_conv_s8_params_t */
  const int8_t *pad_row;            /* optimized variants: in.c copies of the input zero point */
  const tr_rq_t *rq;                /* see tr_conv_s8_params_t */
  const float *fscale;              /* see tr_conv_s8_params_t */
  /* optimized variants, 3x3 / depth multiplier 1 / no dilation: the filter of every group of
   * four channels repacked tap-major ([out.c / 4][9 taps][4 channels]) so a group's 36 weights
   * are contiguous (NULL when not generated) */
  const int8_t *filter_packed;
} tr_dwconv_s8_params_t;

void tr_depthwise_conv2d_s8(const tr_dwconv_s8_params_t *p, const int8_t *in,
                            const int8_t *filter, const int32_t *bias, int8_t *out);
void tr_depthwise_conv2d_s8_fast(const tr_dwconv_s8_params_t *p, const int8_t *in,
                                 const int8_t *filter, const int32_t *bias, int8_t *out);
/* One output pixel (all channels) of tr_depthwise_conv2d_s8_fast, window origin (iy0, ix0)
 * in batch in_b: the border path of the per-layer specialised 3x3 code (tr_dwconv_spec.h). */
void tr_depthwise_conv2d_s8_fast_pixel(const tr_dwconv_s8_params_t *p, const int8_t *in_b,
                                       int32_t iy0, int32_t ix0, const int8_t *filter, int8_t *op);

typedef struct {
  tr_view4_t in, out;
  int32_t filter_h, filter_w;
  int32_t depth_multiplier;
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  float act_min, act_max;
} tr_dwconv_f32_params_t;

void tr_depthwise_conv2d_f32(const tr_dwconv_f32_params_t *p, const float *in,
                             const float *filter, const float *bias, float *out);

/* ---- FULLY_CONNECTED ---------------------------------------------------------------------- */
typedef struct {
  int32_t batches, in_depth, out_depth;
  int32_t in_row_stride, out_row_stride; /* elements between batch rows */
  int32_t input_offset, filter_offset, output_offset;
  int32_t act_min, act_max;
  int32_t per_channel;              /* 0: out_mult[0]/out_shift[0] for every row */
  const int32_t *out_mult;
  const int32_t *out_shift;
  /* optimized variants: bias[o] + input_offset * sum(w[o] + filter_offset) (needs filter_offset 0) */
  const int32_t *bias_folded;
  const tr_rq_t *rq;                /* see tr_conv_s8_params_t (indexed like out_mult) */
  const float *fscale;              /* see tr_conv_s8_params_t (indexed like out_mult) */
} tr_fc_s8_params_t;

void tr_fully_connected_s8(const tr_fc_s8_params_t *p, const int8_t *in, const int8_t *weights,
                           const int32_t *bias, int8_t *out);
void tr_fully_connected_s8_fast(const tr_fc_s8_params_t *p, const int8_t *in,
                                const int8_t *weights, const int32_t *bias, int8_t *out);

typedef struct {
  int32_t batches, in_depth, out_depth;
  int32_t in_row_stride, out_row_stride;
  float act_min, act_max;
} tr_fc_f32_params_t;

void tr_fully_connected_f32(const tr_fc_f32_params_t *p, const float *in, const float *weights,
                            const float *bias, float *out);

/* ---- AVERAGE_POOL_2D / MAX_POOL_2D -------------------------------------------------------- */
typedef struct {
  tr_view4_t in, out;
  int32_t filter_h, filter_w, stride_h, stride_w, pad_top, pad_left;
  int32_t act_min, act_max;         /* int8 kernels */
  float act_min_f, act_max_f;       /* float kernels */
} tr_pool_params_t;

void tr_avg_pool_s8(const tr_pool_params_t *p, const int8_t *in, int8_t *out);
void tr_avg_pool_f32(const tr_pool_params_t *p, const float *in, float *out);
void tr_max_pool_s8(const tr_pool_params_t *p, const int8_t *in, int8_t *out);
void tr_max_pool_f32(const tr_pool_params_t *p, const float *in, float *out);

/* ---- ADD / MUL (elementwise with broadcast over up to 4 dims; strides 0 broadcast) --------- */
typedef struct {
  int32_t dims[4];
  int32_t s1[4], s2[4], so[4];      /* element strides of input1, input2, output */
  int32_t left_shift;
  int32_t in1_offset, in1_mult, in1_shift;
  int32_t in2_offset, in2_mult, in2_shift;
  int32_t out_offset, out_mult, out_shift;
  int32_t act_min, act_max;
  float act_min_f, act_max_f;
  /* 'xnnpack' arithmetic (int8) when xnn != 0: ADD = (xnn_bias + a * xnn_a_mult + b * xnn_b_mult)
   * >> xnn_shift, MUL = lrintf((float)((a - za) * (b - zb)) * xnn_scale); plus out_offset */
  int32_t xnn;
  int32_t xnn_a_mult, xnn_b_mult, xnn_bias, xnn_shift;
  float xnn_scale;
} tr_binary_params_t;

void tr_add_s8(const tr_binary_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);
void tr_add_f32(const tr_binary_params_t *p, const float *a, const float *b, float *out);
void tr_mul_s8(const tr_binary_params_t *p, const int8_t *a, const int8_t *b, int8_t *out);
void tr_mul_f32(const tr_binary_params_t *p, const float *a, const float *b, float *out);

/* ---- Data movement: RESHAPE, SQUEEZE, SLICE, STRIDED_SLICE, CONCATENATION, PAD ------------- */
#define TR_COPY_MAX_DIMS 6
typedef struct {
  int32_t ndim;
  int32_t elem_bytes;
  int32_t count[TR_COPY_MAX_DIMS];
  int32_t src_stride[TR_COPY_MAX_DIMS];  /* bytes, may be negative (reversed strided slice) */
  int32_t dst_stride[TR_COPY_MAX_DIMS];  /* bytes */
} tr_copy_params_t;

/* Strided N-d copy; src and dst must not overlap (the generator aliases instead). */
void tr_copy_nd(const tr_copy_params_t *p, const void *src, void *dst);
/* n contiguous bytes (words where both share their alignment); forwards, so also correct for
 * dst below an overlapping src. */
void tr_copy_bytes(void *dst, const void *src, int32_t n);
/* Fills n elements of elem_bytes each with the bytes of *value (PAD's border). */
void tr_fill(void *dst, int32_t n, int32_t elem_bytes, const void *value);

/* ---- SOFTMAX ----------------------------------------------------------------------------- */
typedef struct {
  int32_t rows, depth;
  /* int8 (TFLite's CPU kernel, the reference interpreter's semantics): table[255 - v] =
   * expf(-input_scale * beta * v), computed by the generator. */
  const float *table;
  float output_scale;
  int32_t output_zp;
  float beta;                       /* float32 kernel */
} tr_softmax_params_t;

void tr_softmax_s8(const tr_softmax_params_t *p, const int8_t *in, int8_t *out);
void tr_softmax_f32(const tr_softmax_params_t *p, const float *in, float *out);

/* ---- MEAN (reduce over flagged dims of a 4-D input) --------------------------------------- */
typedef struct {
  int32_t in_dims[4];
  int32_t reduce[4];                /* 1 = reduced */
  int32_t num_reduced;              /* product of the reduced dims */
  int32_t input_zp, output_zp, out_mult, out_shift;   /* int8 */
  int32_t act_min, act_max;
  /* int8 rescaling: 0 fixed point (out_mult/out_shift); 'xnnpack' arithmetic: 1 XNNPACK global
   * average pooling lrintf((float)acc * fscale) + output_zp; 2 truncated integer mean (equal
   * input/output quantization); 3 TFLite's float mean round(sum / count * fscale + fbias) + zp */
  int32_t mode;
  float fscale, fbias;
} tr_mean_params_t;

void tr_mean_s8(const tr_mean_params_t *p, const int8_t *in, int8_t *out);
void tr_mean_f32(const tr_mean_params_t *p, const float *in, float *out);

/* ---- QUANTIZE / DEQUANTIZE / elementwise LUT (LOGISTIC, TANH int8) ------------------------ */
typedef struct {
  int32_t n;
  float scale;                      /* quantize: output scale, dequantize: input scale */
  int32_t zero_point;
  int32_t in_zp, out_zp, mult, shift; /* int8 -> int8 requantize */
  int32_t q_min, q_max;
  /* 'xnnpack' arithmetic when xnn != 0: float -> int8 lrintf(x * xnn_inv_scale) + zero_point;
   * int8 -> int8 (xnn_bias + x * xnn_mult) >> 8 */
  int32_t xnn;
  float xnn_inv_scale;
  int32_t xnn_mult, xnn_bias;
} tr_quant_params_t;

void tr_quantize_f32_s8(const tr_quant_params_t *p, const float *in, int8_t *out);
void tr_requantize_s8(const tr_quant_params_t *p, const int8_t *in, int8_t *out);
void tr_dequantize_s8_f32(const tr_quant_params_t *p, const int8_t *in, float *out);
/* out[i] = lut[(uint8_t)in[i]]; the generator tabulates the op on all 256 inputs. */
void tr_lut_s8(int32_t n, const int8_t *lut, const int8_t *in, int8_t *out);
void tr_logistic_f32(int32_t n, const float *in, float *out);
void tr_tanh_f32(int32_t n, const float *in, float *out);

/* ---- GATHER ------------------------------------------------------------------------------ */
typedef struct {
  int32_t outer, axis_size, inner_bytes, num_indices;
  int32_t index_bytes;              /* 4 (int32) or 8 (int64) */
} tr_gather_params_t;

/* Returns 0, or -1 for an index out of range (output then partly written). */
int tr_gather(const tr_gather_params_t *p, const void *in, const void *indices, void *out);

/* ---- CAST -------------------------------------------------------------------------------- */
typedef enum {
  TR_CT_F32 = 0, TR_CT_I8 = 1, TR_CT_U8 = 2, TR_CT_I16 = 3, TR_CT_I32 = 4, TR_CT_I64 = 5,
  TR_CT_BOOL = 6
} tr_cast_type_t;
void tr_cast(int32_t n, tr_cast_type_t from, tr_cast_type_t to, const void *in, void *out);

/* ---- PARTIAL_SUM / PARTIAL_SUM_REQUANTIZE (FDT partial-sum ending, tr_partial_sum_s8.c) --
 * An int8 CONV_2D / FULLY_CONNECTED split by input channels: each slice adds its int32 products
 * (input offset applied, no bias) to the accumulator (acc_in NULL = start from 0; acc_in and
 * acc_out are distinct buffers); the requantize step adds the bias once and requantizes with
 * the original op's per-channel multipliers (or XNNPACK's float32 scales when fscale != NULL). */
typedef struct {
  tr_view4_t in, out;              /* in: the channel slice; out: the accumulator (int32) */
  int32_t filter_h, filter_w;      /* filter slice is dense OHWI with I == in.c */
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  int32_t input_offset;
} tr_partial_conv_s8_params_t;
void tr_partial_conv2d_s8(const tr_partial_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                          const int32_t *acc_in, int32_t *acc_out);

typedef struct {
  int32_t batches, in_depth, out_depth;
  int32_t input_offset, filter_offset;
} tr_partial_fc_s8_params_t;
void tr_partial_fc_s8(const tr_partial_fc_s8_params_t *p, const int8_t *in, const int8_t *weights,
                      const int32_t *acc_in, int32_t *acc_out);

typedef struct {
  int32_t count, channels;         /* elements; channel = index % channels */
  int32_t output_offset, act_min, act_max;
  const int32_t *out_mult, *out_shift; /* per channel (reference arithmetic) */
  const float *fscale;             /* per channel XNNPACK scale, or NULL */
} tr_partial_requant_s8_params_t;
void tr_partial_requant_s8(const tr_partial_requant_s8_params_t *p, const int32_t *acc,
                           const int32_t *bias, int8_t *out);

/* AVERAGE_POOL_2D over the whole map as a partial-sum ending (FFMT pool ending): per-channel
 * int32 sums of one tile added to acc_in (NULL = 0), then one rounding division by the window
 * size (half away from zero, as the int8 AveragePool) and the activation clamp. */
typedef struct {
  tr_view4_t in;                   /* the tile */
} tr_partial_pool_s8_params_t;
void tr_partial_pool_sum_s8(const tr_partial_pool_s8_params_t *p, const int8_t *in,
                            const int32_t *acc_in, int32_t *acc_out);
typedef struct {
  int32_t count;                   /* sums (batches x channels) */
  int32_t window;                  /* filter_h * filter_w */
  int32_t act_min, act_max;
} tr_partial_pool_finish_s8_params_t;
void tr_partial_pool_finish_s8(const tr_partial_pool_finish_s8_params_t *p, const int32_t *acc, int8_t *out);

/* Optimized partial sums (tr_partial_sum_s8_fast.c): the reference params plus generated tables.
 * acc_init[o] = input_offset * sum of the slice's weights of output row/channel o (FC needs
 * filter_offset 0); pad_row: filter_w * in.c input zero points; rq: see tr_conv_s8_params_t. */
typedef struct { tr_partial_fc_s8_params_t ref; const int32_t *acc_init; } tr_partial_fc_s8_fast_params_t;
void tr_partial_fc_s8_fast(const tr_partial_fc_s8_fast_params_t *p, const int8_t *in, const int8_t *weights,
                           const int32_t *acc_in, int32_t *acc_out);
typedef struct { tr_partial_conv_s8_params_t ref; const int32_t *acc_init; const int8_t *pad_row; } tr_partial_conv_s8_fast_params_t;
void tr_partial_conv2d_s8_fast(const tr_partial_conv_s8_fast_params_t *p, const int8_t *in, const int8_t *filter,
                               const int32_t *acc_in, int32_t *acc_out);
typedef struct { tr_partial_requant_s8_params_t ref; const tr_rq_t *rq; } tr_partial_requant_s8_fast_params_t;
void tr_partial_requant_s8_fast(const tr_partial_requant_s8_fast_params_t *p, const int32_t *acc,
                                const int32_t *bias, int8_t *out);
/* CONV_2D with one output channel (FDT partitions of a channel-sliced conv), optimized
 * (tr_conv2d_s8_fast_1ch.c): no window gather; other shapes go to tr_conv2d_s8_fast. */
void tr_conv2d_s8_fast_1ch(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                           const int32_t *bias, int8_t *out);

/* Along one axis, the outputs [*lo, *hi) whose window (`extent` input positions from o * stride -
 * pad, `extent` = (k - 1) * dilation + 1) lies wholly inside the `in` input positions: the
 * padding-free run the kernels take their fast path on (*lo == *hi when there is none). */
static inline void tr_inside_outputs(int32_t pad, int32_t stride, int32_t in, int32_t extent, int32_t out,
                                     int32_t *lo, int32_t *hi) {
  int32_t l = pad > 0 ? (pad + stride - 1) / stride : 0;
  int32_t h = in - extent + pad >= 0 ? (in - extent + pad) / stride + 1 : 0;
  if (h > out) h = out;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

#ifdef __cplusplus
}
#endif
#endif
