// The log of every request with the access key that signed it, and the failures queued for the
// next requests of an operation.
import { definedOnly, type ModelRequest, type RecordedRequest } from "./shared";

export interface InjectedError {
    status: number;
    type: string;
    message?: string;
}

export class RequestRecorder {
    readonly requests: RecordedRequest[] = [];
    private readonly failures = new Map<string, Array<InjectedError>>();

    /** The next `count` requests of `operation` (e.g. "DescribeExecution", "GetObject") fail with `error`. */
    failNext(operation: string, count: number, error: InjectedError): void {
        const queue = this.failures.get(operation) ?? [];
        for (let i = 0; i < count; i++) queue.push(error);
        this.failures.set(operation, queue);
    }

    /** Parsed request bodies of one operation, including requests answered with an injected error. */
    calls(operation: string): any[] {
        return this.requests.filter((request) => request.operation === operation).map((request) => request.body);
    }

    /** Logs a request; returns the failure queued for it, if any, which it then consumes. */
    record({ service, operation, body, accessKeyId, signingRegion }: ModelRequest): InjectedError | undefined {
        const injected = this.failures.get(operation)?.shift();
        this.requests.push({
            service,
            operation,
            body,
            ...definedOnly({ accessKeyId, signingRegion }),
            at: Date.now(),
            ...(injected ? { injectedError: injected.type } : {}),
        });
        return injected;
    }
}
