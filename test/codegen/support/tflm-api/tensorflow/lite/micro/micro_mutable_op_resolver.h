// Declarations-only stand-in (see micro_interpreter.h here): MicroMutableOpResolver's Add*().
#pragma once
#include "tensorflow/lite/micro/micro_interpreter.h"
namespace tflite {
template <unsigned int tOpCount>
class MicroMutableOpResolver : public MicroOpResolver {
 public:
  TfLiteStatus AddAdd(); TfLiteStatus AddAveragePool2D(); TfLiteStatus AddCast(); TfLiteStatus AddConcatenation();
  TfLiteStatus AddConv2D(); TfLiteStatus AddDepthwiseConv2D(); TfLiteStatus AddDequantize(); TfLiteStatus AddFullyConnected();
  TfLiteStatus AddGather(); TfLiteStatus AddLogistic(); TfLiteStatus AddMaxPool2D(); TfLiteStatus AddMean();
  TfLiteStatus AddMul(); TfLiteStatus AddPad(); TfLiteStatus AddQuantize(); TfLiteStatus AddReshape();
  TfLiteStatus AddSlice(); TfLiteStatus AddSoftmax(); TfLiteStatus AddSqueeze(); TfLiteStatus AddStridedSlice();
  TfLiteStatus AddTanh();
};
}  // namespace tflite
