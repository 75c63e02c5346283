// An S3 location given on the command line, `s3://<bucket>/<prefix>` (functional core): the tuning
// history's (`--history`) and the state objects a sweep removes (`sweep --state-uri`).
import { InputError } from "./errors";

export interface S3Location {
    readonly bucket: string;
    /** Without leading or trailing "/"; may be empty. */
    readonly prefix: string;
}

const S3_URI_FORM = "s3://<bucket>/<prefix>, a bucket name of 3-63 lowercase letters, digits, '.' or '-' and an optional key prefix";

/** `value` as a bucket and a key prefix; `field` names the flag in the error. */
export function parseS3Uri(value: string, field: string): S3Location {
    const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(value);
    if (match === null) throw InputError.invalid(field, value, S3_URI_FORM, "not an s3:// URI");
    const [, bucket, rawPrefix = ""] = match;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes("..")) {
        throw InputError.invalid(field, value, S3_URI_FORM, `"${bucket}" is not an S3 bucket name`);
    }
    const prefix = rawPrefix.replace(/\/+$/, "");
    if (prefix !== "" && prefix.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) {
        throw InputError.invalid(field, value, S3_URI_FORM, `the prefix "${rawPrefix}" has an empty, "." or ".." segment`);
    }
    return { bucket, prefix };
}

/** `s3://<bucket>/<prefix>/`, or `s3://<bucket>/` for an empty prefix. */
export function s3Uri(location: S3Location): string {
    return `s3://${location.bucket}/${location.prefix === "" ? "" : `${location.prefix}/`}`;
}
