// S3: the tuning history, the budget's lease object, and the state objects a sweep removes.
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, paginateListObjectsV2, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { BudgetLeaseObject, SweepableObjects, TuningHistoryObjects } from "./ports";
import { answeredByAws, clientConfig, type Credentials, everyPage, RETRIES } from "./sdk";

// No forcePathStyle: on AWS, virtual-hosted addressing is the default, and with an endpoint
// whose host is an IP address (AWS_ENDPOINT_URL_S3=http://127.0.0.1:…, the test server) the SDK
// addresses buckets path-style by itself.
export function tuningHistoryObjectsClient(credentials?: Credentials): TuningHistoryObjects {
    const client = answeredByAws(new S3Client(clientConfig(credentials)), "xml");
    return {
        read: async (bucket, key) => (await readObject(client, bucket, key))?.text,
        async write(bucket, key, body) {
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" }));
        },
        keys: (bucket, prefix) =>
            everyPage(paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix }), (page) =>
                page.Contents?.flatMap((object) => (object.Key === undefined ? [] : [object.Key])),
            ),
    };
}

/** An object's text and ETag, or undefined when there is no such key. */
async function readObject(client: S3Client, bucket: string, key: string): Promise<{ text: string; etag: string } | undefined> {
    try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { text: await response.Body!.transformToString("utf-8"), etag: response.ETag! };
    } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
    }
}

/**
 * S3's answers when a conditional write loses (docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
 * 412 when the condition does not hold, 409 when a concurrent write to the key won, 404 when
 * If-Match names a key that is gone.
 */
const LOST_CONDITIONAL_WRITE = new Set([404, 409, 412]);

export function budgetLeaseObjectClient(): BudgetLeaseObject {
    const client = answeredByAws(new S3Client(RETRIES), "xml");
    return {
        read: (bucket, key) => readObject(client, bucket, key),
        async replace(bucket, key, body, etag) {
            const condition = etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag };
            try {
                await client.send(
                    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json", ...condition }),
                );
                return true;
            } catch (error) {
                const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
                if (status !== undefined && LOST_CONDITIONAL_WRITE.has(status)) return false;
                throw error;
            }
        },
    };
}

/** Objects (the copies' Terraform state) as a sweep lists and removes them (every page). */
export function sweepableObjectsClient(credentials?: Credentials): SweepableObjects {
    const s3 = answeredByAws(new S3Client(clientConfig(credentials)), "xml");
    return {
        list: (bucket, prefix) =>
            everyPage(paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix }), (page) =>
                page.Contents?.map((object) => ({ name: object.Key!, createdAt: object.LastModified?.getTime() })),
            ),
        async delete(bucket, key) {
            await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        },
    };
}
