// The runner's AWS shell: which answers it takes as the API's. Emulators (moto, LocalStack) label
// some answers text/html; a proxy's or firewall's page is refused whatever its status. On the
// wire: ../wire/sweep.test.ts (an endpoint labelling every answer text/html, and moto itself) and
// ../wire/tune.test.ts, ../wire/tuning-history.test.ts (HTML pages refused).
import * as assert from "node:assert/strict";
import { isApiAnswer } from "../../../../buildscripts/tuning-runner/aws/sdk";

const PROXY_PAGE = "<!DOCTYPE html><html><title>Access blocked by policy</title><body>Blocked</body></html>";

describe("AWS answers the runner takes whatever their content type", () => {
    it("an empty 2xx, such as Lambda's 204 to DeleteFunction, in either protocol", () => {
        for (const status of [200, 202, 204]) {
            assert.equal(isApiAnswer("json", status, ""), true, `json ${status}`);
            assert.equal(isApiAnswer("xml", status, "  \n"), true, `xml ${status}`);
        }
    });

    it("a JSON object from a JSON service, answer or error", () => {
        assert.equal(isApiAnswer("json", 200, '{"Functions": []}'), true);
        assert.equal(isApiAnswer("json", 404, '{"__type": "ResourceNotFoundException", "message": "Function not found"}'), true);
    });

    it("an XML document from an XML service (S3, IAM), answer or error", () => {
        assert.equal(isApiAnswer("xml", 200, '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult></ListBucketResult>'), true);
        assert.equal(isApiAnswer("xml", 200, "<DeleteRoleResponse><ResponseMetadata/></DeleteRoleResponse>"), true);
        assert.equal(isApiAnswer("xml", 403, "<Error><Code>AccessDenied</Code></Error>"), true);
    });
});

describe("answers the runner refuses as not the API's (NotAnAwsResponse)", () => {
    it("an HTML page, under any status and for either protocol", () => {
        for (const page of [
            PROXY_PAGE,
            "<html><body>Bad gateway</body></html>",
            "<HTML><BODY>Forbidden</BODY></HTML>",
            "<h1>Service unavailable</h1>",
        ]) {
            for (const status of [200, 403, 502]) {
                assert.equal(isApiAnswer("json", status, page), false, `json ${status} ${page}`);
                assert.equal(isApiAnswer("xml", status, page), false, `xml ${status} ${page}`);
            }
        }
    });

    it("an empty error: nothing says it came from AWS", () => {
        for (const status of [403, 500, 503]) assert.equal(isApiAnswer("json", status, ""), false, String(status));
    });

    it("a body that does not parse in the service's protocol: text, JSON that is no object, JSON from an XML service", () => {
        assert.equal(isApiAnswer("json", 200, "Service Unavailable"), false);
        assert.equal(isApiAnswer("json", 200, "404"), false);
        assert.equal(isApiAnswer("json", 200, '"ok"'), false);
        assert.equal(isApiAnswer("json", 200, "[]"), false);
        assert.equal(isApiAnswer("json", 200, '{"unterminated": '), false);
        assert.equal(isApiAnswer("xml", 200, '{"Functions": []}'), false);
    });
});
