// Declarations-only stand-in (see ../micro/micro_interpreter.h here).
#pragma once
#define TFLITE_SCHEMA_VERSION (3)
