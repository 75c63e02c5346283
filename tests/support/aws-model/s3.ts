// S3 (REST-XML, path-style): objects with their ETags and write times, conditional writes, and
// ListObjectsV2.
import { createHash } from "node:crypto";
import { AwsError, definedOnly, type ModelClock, type ServiceModel } from "./shared";

/** An S3 object's answer: its bytes (GetObject, HeadObject) or its ETag (PutObject). */
export interface S3ObjectAnswer {
    readonly content?: Buffer;
    readonly etag: string;
}

/** One page of ListObjectsV2. */
export interface S3ListingAnswer {
    readonly bucket: string;
    readonly prefix: string;
    /** `lastModified` in epoch ms of the model's clock. */
    readonly objects: ReadonlyArray<{ readonly key: string; readonly size: number; readonly etag: string; readonly lastModified: number }>;
    readonly nextToken?: string;
}

/** The SDK's input members the front-end passes on. */
interface S3Input {
    Bucket: string;
    Key: string;
    Body?: string;
    Prefix?: string;
    MaxKeys?: string;
    ContinuationToken?: string;
    IfMatch?: string;
    IfNoneMatch?: string;
}

export class S3Model implements ServiceModel {
    readonly invalidToken = ["InvalidToken", 400] as const;
    readonly operations = {
        PutObject: (body: S3Input) => this.putObjectRequest(body),
        DeleteObject: (body: S3Input): S3ObjectAnswer => {
            // S3 answers a delete of a missing key like any other.
            this.objects.delete(`${body.Bucket}/${body.Key}`);
            this.objectsModified.delete(`${body.Bucket}/${body.Key}`);
            return { etag: "" };
        },
        GetObject: (body: S3Input) => this.getObject(body),
        HeadObject: (body: S3Input) => this.getObject(body),
        ListObjectsV2: (body: S3Input) => this.listObjects(body),
    };
    /** "bucket/key" → body. */
    readonly objects = new Map<string, Buffer>();
    /** "bucket/key" → when it was last written (model clock); objects set directly count as written when the model came up. */
    private readonly objectsModified = new Map<string, number>();

    constructor(private readonly clock: ModelClock) {}

    unimplemented(operation: string): AwsError {
        return new AwsError("NotImplemented", `FakeAws does not implement S3 ${operation}`, 501);
    }

    /** An object as if written at `lastModified` (model clock, epoch ms). */
    putObject(bucket: string, key: string, content: string, lastModified = this.clock.now()): void {
        this.objects.set(`${bucket}/${key}`, Buffer.from(content));
        this.objectsModified.set(`${bucket}/${key}`, lastModified);
    }

    private putObjectRequest(body: S3Input): S3ObjectAnswer {
        // Conditional writes (docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
        // If-None-Match: * only creates, If-Match: <ETag> only replaces that version; else 412,
        // and If-Match on a missing key 404.
        const objectKey = `${body.Bucket}/${body.Key}`;
        const existing = this.objects.get(objectKey);
        if (body.IfNoneMatch !== undefined && (body.IfNoneMatch !== "*" || existing !== undefined)) {
            throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
        }
        if (body.IfMatch !== undefined && existing === undefined) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404);
        if (body.IfMatch !== undefined && body.IfMatch !== etagOf(existing!)) {
            throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
        }
        const content = Buffer.from(body.Body ?? "", "utf8");
        this.objects.set(objectKey, content);
        this.objectsModified.set(objectKey, this.clock.now());
        return { etag: etagOf(content) };
    }

    private getObject(body: S3Input): S3ObjectAnswer {
        const content = this.objects.get(`${body.Bucket}/${body.Key}`);
        if (!content) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404);
        return { content, etag: etagOf(content) };
    }

    private listObjects(body: S3Input): S3ListingAnswer {
        const prefix = body.Prefix ?? "";
        const keys = [...this.objects.keys()]
            .filter((key) => key.startsWith(`${body.Bucket}/${prefix}`))
            .map((key) => key.slice(body.Bucket.length + 1))
            .sort();
        const page = this.clock.page(keys, body.MaxKeys, body.ContinuationToken, "ListObjectsV2", 1000, "InvalidArgument");
        const objects = page.items.map((key) => {
            const content = this.objects.get(`${body.Bucket}/${key}`)!;
            return {
                key,
                size: content.length,
                etag: etagOf(content),
                lastModified: this.objectsModified.get(`${body.Bucket}/${key}`) ?? this.clock.createdAt,
            };
        });
        return { bucket: body.Bucket, prefix, objects, ...definedOnly({ nextToken: page.nextToken }) };
    }
}

function etagOf(content: Buffer): string {
    return `"${createHash("md5").update(content).digest("hex")}"`;
}
