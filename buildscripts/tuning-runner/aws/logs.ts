// CloudWatch Logs: the log groups a sweep removes.
import { CloudWatchLogsClient, DeleteLogGroupCommand, paginateDescribeLogGroups } from "@aws-sdk/client-cloudwatch-logs";
import type { SweepableLogGroups } from "./ports";
import { answeredByAws, everyPage, RETRIES } from "./sdk";

/** Log groups as a sweep lists and removes them (every page). */
export function sweepableLogGroupsClient(): SweepableLogGroups {
    const logs = answeredByAws(new CloudWatchLogsClient(RETRIES), "json");
    return {
        list: (namePrefix) =>
            everyPage(paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: namePrefix }), (page) =>
                page.logGroups?.map((group) => ({ name: group.logGroupName!, createdAt: group.creationTime })),
            ),
        async delete(logGroupName) {
            await logs.send(new DeleteLogGroupCommand({ logGroupName }));
        },
    };
}
