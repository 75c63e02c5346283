#!/usr/bin/env bash
# The original design's execute-power-tuning.sh, as the baseline the runner is benchmarked against:
# start the execution, poll describe-execution every second through the AWS CLI, then post
# the visualization link with `aws codecommit`. Same calls and the same 1 s poll as the original;
# differences: the ARN comes from LAMBDA_ARN instead of `terraform output`, the commits are
# passed the right way round, a failed tuning exits 1, and AWS_ENDPOINT_URL_SFN /
# AWS_ENDPOINT_URL_CODECOMMIT (when set) become --endpoint-url so the bench can point it at
# the local server.
set -euo pipefail

: "${STATE_MACHINE_ARN:?}" "${LAMBDA_ARN:?}" "${REPOSITORY_NAME:?}" "${PULL_REQUEST_ID:?}" "${SOURCE_COMMIT:?}" "${DESTINATION_COMMIT:?}"
INPUT_FILE="${INPUT_FILE:-power-tuning-input.json}"
sfn=(aws stepfunctions ${AWS_ENDPOINT_URL_SFN:+--endpoint-url "$AWS_ENDPOINT_URL_SFN"})
codecommit=(aws codecommit ${AWS_ENDPOINT_URL_CODECOMMIT:+--endpoint-url "$AWS_ENDPOINT_URL_CODECOMMIT"})

input=$(jq --arg arn "$LAMBDA_ARN" '. += {"lambdaARN": $arn}' "$INPUT_FILE")
execution_arn=$("${sfn[@]}" start-execution --state-machine-arn "$STATE_MACHINE_ARN" --input "$input" --query executionArn --output text)
echo -n "Execution started..."
while true; do
    status=$("${sfn[@]}" describe-execution --execution-arn "$execution_arn" --query status --output text)
    if [ "$status" = "RUNNING" ]; then
        echo -n "."
        sleep 1
    elif [ "$status" = "SUCCEEDED" ]; then
        echo " $status"
        "${sfn[@]}" describe-execution --execution-arn "$execution_arn" --query output --output text > power-tuning-output.json
        break
    else
        echo " $status: aws stepfunctions get-execution-history --execution-arn $execution_arn" >&2
        exit 1
    fi
done
url=$(jq -r '.stateMachine.visualization' power-tuning-output.json)
"${codecommit[@]}" post-comment-for-pull-request --repository-name "$REPOSITORY_NAME" --pull-request-id "$PULL_REQUEST_ID" \
    --content "Lambda tuning is complete. See the [results for full details]($url)." \
    --before-commit-id "$DESTINATION_COMMIT" --after-commit-id "$SOURCE_COMMIT" > /dev/null
