// Declarations-only stand-in for the parts of TFLite Micro's API the generated tr_model_tflm.cc
// uses (signatures as in tflite-micro's tensorflow/lite/micro/micro_interpreter.h), so the
// generated C++ can be syntax-checked where no TFLM tree is available. Not compiled into
// anything, never linked, never run.
#pragma once
#include <cstddef>
#include <cstdint>
typedef enum { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;
typedef enum { kTfLiteNoType = 0, kTfLiteFloat32 = 1, kTfLiteInt32 = 2, kTfLiteUInt8 = 3, kTfLiteInt64 = 4,
  kTfLiteInt16 = 7, kTfLiteInt8 = 9 } TfLiteType;
typedef union { void *raw; int8_t *int8; float *f; } TfLitePtrUnion;
typedef struct { TfLiteType type; TfLitePtrUnion data; size_t bytes; } TfLiteTensor;
namespace tflite {
class Model { public: uint32_t version() const; };
const Model *GetModel(const void *buf);
class MicroOpResolver { public: virtual ~MicroOpResolver() = default; };
class MicroInterpreter {
 public:
  MicroInterpreter(const Model *model, const MicroOpResolver &op_resolver, uint8_t *tensor_arena, size_t tensor_arena_size);
  TfLiteStatus AllocateTensors();
  TfLiteStatus Invoke();
  TfLiteTensor *input(size_t index);
  TfLiteTensor *output(size_t index);
  size_t inputs_size() const;
  size_t outputs_size() const;
  size_t arena_used_bytes() const;
};
}  // namespace tflite
