namespace AppSyncChat.Aws.Sqs;

/// <summary>Every SQS wire name the client uses (AWS JSON 1.0 protocol with query compatibility), in one place.</summary>
public static class SqsWireNames
{
    public const string SigningName = "sqs";
    public const string ContentType = "application/x-amz-json-1.0";
    public const string TargetHeader = "X-Amz-Target";
    public const string TargetPrefix = "AmazonSQS.";

    /// <summary><c>&lt;legacy Query code&gt;;&lt;Sender|Receiver&gt;</c>, sent because the model has <c>awsQueryCompatible</c>.</summary>
    public const string QueryErrorHeader = "x-amzn-query-error";
    public const string RequestIdHeader = "x-amzn-RequestId";
    public const string ErrorTypeHeader = "X-Amzn-ErrorType";

    public static class Operations
    {
        public const string CreateQueue = "CreateQueue";
        public const string GetQueueUrl = "GetQueueUrl";
        public const string GetQueueAttributes = "GetQueueAttributes";
        public const string SendMessage = "SendMessage";
        public const string ReceiveMessage = "ReceiveMessage";
        public const string DeleteMessage = "DeleteMessage";
        public const string DeleteMessageBatch = "DeleteMessageBatch";
        public const string ChangeMessageVisibility = "ChangeMessageVisibility";
    }

    public static class DataTypes
    {
        public const string String = "String";
        public const string Number = "Number";
        public const string Binary = "Binary";
    }

    /// <summary>Message system attribute names (send side: only <see cref="AwsTraceHeader"/>).</summary>
    public static class SystemAttributes
    {
        public const string All = "All";
        public const string AwsTraceHeader = "AWSTraceHeader";
        public const string ApproximateReceiveCount = "ApproximateReceiveCount";
        public const string SentTimestamp = "SentTimestamp";
        public const string SenderId = "SenderId";
        public const string ApproximateFirstReceiveTimestamp = "ApproximateFirstReceiveTimestamp";
        public const string DeadLetterQueueSourceArn = "DeadLetterQueueSourceArn";
    }

    /// <summary>Queue attribute names (values are always strings on the wire).</summary>
    public static class QueueAttributes
    {
        public const string All = "All";
        public const string QueueArn = "QueueArn";
        public const string VisibilityTimeout = "VisibilityTimeout";
        public const string ReceiveMessageWaitTimeSeconds = "ReceiveMessageWaitTimeSeconds";
        public const string RedrivePolicy = "RedrivePolicy";
        public const string MessageRetentionPeriod = "MessageRetentionPeriod";
        public const string ApproximateNumberOfMessages = "ApproximateNumberOfMessages";
        public const string ApproximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible";
        public const string ApproximateNumberOfMessagesDelayed = "ApproximateNumberOfMessagesDelayed";
        public const string FifoQueue = "FifoQueue";
    }

    /// <summary>Query-protocol error codes (from <c>x-amzn-query-error</c>) and JSON shape names the client reasons about.</summary>
    public static class ErrorCodes
    {
        public const string NonExistentQueue = "AWS.SimpleQueueService.NonExistentQueue";
        public const string QueueDoesNotExist = "QueueDoesNotExist";
        public const string ReceiptHandleIsInvalid = "ReceiptHandleIsInvalid";
        public const string RequestThrottled = "RequestThrottled";
        public const string ThrottlingException = "ThrottlingException";
        public const string Throttling = "Throttling";
        public const string InternalFailure = "InternalFailure";
        public const string InternalError = "InternalError";
        public const string ServiceUnavailable = "ServiceUnavailable";

        /// <summary>Client-side: an MD5 in a response does not match the data received or sent.</summary>
        public const string ChecksumMismatch = "ChecksumMismatch";

        /// <summary>Client-side: the response body could not be parsed.</summary>
        public const string MalformedResponse = "MalformedResponse";

        /// <summary>Client-side: the request could not be sent or no response arrived.</summary>
        public const string TransportError = "TransportError";

        /// <summary>Used when neither the header nor the body names the error.</summary>
        public const string Unknown = "UnknownError";
    }

    public const string SenderFault = "Sender";
    public const string ReceiverFault = "Receiver";
}
