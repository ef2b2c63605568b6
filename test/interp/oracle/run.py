# Step 2 of 3 of the TensorFlow cross-check (see dump.ts): runs every case written by dump.ts with
# TFLite's reference kernels (ref), optimized kernels without delegates (opt) and the default
# XNNPACK path (xnn), writing <tag>_out<i>.bin (or <tag>_error.txt) beside the case.
import glob, json, os, sys
import numpy as np
import tensorflow as tf

R = tf.lite.experimental.OpResolverType
KINDS = {'ref': R.BUILTIN_REF, 'opt': R.BUILTIN_WITHOUT_DEFAULT_DELEGATES, 'xnn': R.BUILTIN}

for meta_path in sorted(glob.glob(os.path.join(sys.argv[1], '**', 'meta.json'), recursive=True)):
    case = os.path.dirname(meta_path)
    for tag, kind in KINDS.items():
        try:
            it = tf.lite.Interpreter(model_path=os.path.join(case, 'model.tflite'), experimental_op_resolver_type=kind)
            it.allocate_tensors()
            for i, det in enumerate(it.get_input_details()):
                raw = open(os.path.join(case, f'in{i}.bin'), 'rb').read()
                it.set_tensor(det['index'], np.frombuffer(raw, dtype=det['dtype']).reshape(det['shape']))
            it.invoke()
            for j, det in enumerate(it.get_output_details()):
                open(os.path.join(case, f'{tag}_out{j}.bin'), 'wb').write(it.get_tensor(det['index']).tobytes())
        except Exception as e:  # reported by compare.ts
            open(os.path.join(case, f'{tag}_error.txt'), 'w').write(str(e))
