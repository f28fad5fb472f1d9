/** The version of @marcbachmann/cel-js in the bundles. */
export declare const CEL_LIBRARY_VERSION: string;
/** The version of `yaml` in the CEL++ bundle. */
export declare const YAML_LIBRARY_VERSION: string;
/** JavaScript that leaves `KilnCel` ({ compileCel, LINE_BASE }) in scope. */
export declare const CEL_BUNDLE: string;
/** JavaScript that leaves `KilnCel` ({ compileCelpp, LINE_BASE }) in scope. */
export declare const CELPP_BUNDLE: string;
