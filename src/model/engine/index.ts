/** The training/inference engine: tfjs backends (wasm by default) with ichscan's gradient kernels. */
export { BACKEND_NAMES, initBackend, isBackendName, parseBackendName, registerWasmGradientKernels, silenceTfjs, type BackendName } from './backend.js';
export { conv2dBackpropFilter, conv2dBackpropInput, depthwiseBackpropFilter, depthwiseBackpropInput, gradientKernelConfigs } from './conv-grad-kernels.js';
export { registerTorchBackend, torchKernelConfigs, type TorchDevice, type TorchOptions } from './torch-register.js';
export { torchAddonBuilt } from './torch-addon.js';
