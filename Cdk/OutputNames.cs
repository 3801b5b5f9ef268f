namespace AppSyncChat.Cdk;

/// <summary>CloudFormation output names of the stack: what a client needs after deploy (see docs/deploy.md).</summary>
public static class OutputNames
{
    public const string Region = "Region";
    public const string GraphqlUrl = "GraphqlUrl";
    public const string GraphqlApiKey = "GraphqlApiKey";
    public const string EventsHttpEndpoint = "EventsHttpEndpoint";
    public const string EventsRealtimeEndpoint = "EventsRealtimeEndpoint";
    public const string EventsApiKey = "EventsApiKey";
    public const string UserPoolId = "UserPoolId";
    public const string UserPoolClientId = "UserPoolClientId";
    public const string TableName = "TableName";
    public const string QueueUrl = "QueueUrl";
    public const string DeadLetterQueueUrl = "DeadLetterQueueUrl";
    public const string AlarmTopicArn = "AlarmTopicArn";
    public const string DefaultModelId = "DefaultModelId";
}
