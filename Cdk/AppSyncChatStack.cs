using AppSyncChat.Cdk.Bedrock;
using AppSyncChat.Cdk.Configuration;
using AppSyncChat.Cdk.Events;
using AppSyncChat.Cdk.Graphql;
using AppSyncChat.Cdk.Monitoring;
using AppSyncChat.Cdk.Storage;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Conversations.Table;
using Amazon.CDK;
using Amazon.CDK.AWS.AppSync;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;
using Constructs;
using LambdaCode = Amazon.CDK.AWS.Lambda.Code;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace AppSyncChat.Cdk;

/// <summary>
/// Everything AppSyncChat runs on in AWS: the GraphQL API (Api Lambda as direct resolver), the Event API
/// with the <c>chat</c> namespace, the turn queue and its DLQ, the conversation table, the Api and Worker
/// functions, least-privilege roles, alarms and the outputs a client needs.
/// </summary>
public sealed class AppSyncChatStack : Stack
{
    /// <summary>Lambda handler name. Our functions are custom-runtime executables (<c>bootstrap</c>); Lambda passes it as <c>_HANDLER</c> and the runtime loop ignores it.</summary>
    public const string HandlerName = "bootstrap";

    public AppSyncChatStack(Construct scope, string id, AppSyncChatOptions options, IStackProps? props = null)
        : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var dataRemoval = options.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

        Table = CreateTable(dataRemoval);
        (Queue, DeadLetterQueue) = CreateQueues(options);
        (UserPool, UserPoolClientId) = CreateOrImportUserPool(options, dataRemoval);
        Events = CreateEventsApi(options);
        ApiFunction = CreateApiFunction(options);
        WorkerFunction = CreateWorkerFunction(options);
        GraphqlApi = CreateGraphqlApi(options);
        AlarmTopic = CreateAlarms(options);
        AddOutputs(options);
    }

    public AppSyncChatOptions Options { get; }

    public Table Table { get; }

    public Queue Queue { get; }

    public Queue DeadLetterQueue { get; }

    public IUserPool UserPool { get; }

    public string UserPoolClientId { get; }

    public EventsApi Events { get; }

    public EventsChannelNamespace ChatNamespace { get; private set; } = null!;

    public string EventsApiKey { get; private set; } = null!;

    public LambdaFunction ApiFunction { get; }

    public LambdaFunction WorkerFunction { get; }

    public GraphqlApi GraphqlApi { get; }

    public LogGroup GraphqlLogGroup { get; private set; } = null!;

    public Topic AlarmTopic { get; }

    private Table CreateTable(RemovalPolicy removal)
    {
        var schema = ConversationTableSchema.FromStore();
        var table = new Table(this, "ConversationTable", new TableProps
        {
            PartitionKey = schema.PartitionKey,
            SortKey = schema.SortKey,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            TimeToLiveAttribute = schema.TimeToLiveAttribute,
            PointInTimeRecovery = true,
            RemovalPolicy = removal,
        });
        foreach (var index in schema.GlobalSecondaryIndexes)
        {
            table.AddGlobalSecondaryIndex(index);
        }

        return table;
    }

    private (Queue Queue, Queue DeadLetterQueue) CreateQueues(AppSyncChatOptions options)
    {
        var deadLetters = new Queue(this, "TurnDeadLetterQueue", new QueueProps
        {
            RetentionPeriod = Duration.Days(14),
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
        });
        var queue = new Queue(this, "TurnQueue", new QueueProps
        {
            VisibilityTimeout = Duration.Seconds(options.QueueVisibilityTimeout.TotalSeconds),

            // A turn nobody picked up within a day is stale; the DLQ keeps failures longer for inspection.
            RetentionPeriod = Duration.Days(1),
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            DeadLetterQueue = new Amazon.CDK.AWS.SQS.DeadLetterQueue
            {
                Queue = deadLetters,
                MaxReceiveCount = options.MaxReceiveCount,
            },
        });
        return (queue, deadLetters);
    }

    private (IUserPool Pool, string ClientId) CreateOrImportUserPool(AppSyncChatOptions options, RemovalPolicy removal)
    {
        if (options.ExistingUserPoolId is { } poolId)
        {
            return (Amazon.CDK.AWS.Cognito.UserPool.FromUserPoolId(this, "UserPool", poolId), options.ExistingUserPoolClientId!);
        }

        var pool = new UserPool(this, "UserPool", new UserPoolProps
        {
            SelfSignUpEnabled = options.SelfSignUp,
            SignInAliases = new SignInAliases { Email = true },
            AutoVerify = new AutoVerifiedAttrs { Email = true },
            AccountRecovery = AccountRecovery.EMAIL_ONLY,
            RemovalPolicy = removal,
        });
        var client = pool.AddClient("AppClient", new UserPoolClientOptions
        {
            GenerateSecret = false,

            // SRP for browsers and Amplify; USER_PASSWORD for the CLI and smoke tests.
            AuthFlows = new AuthFlow { UserSrp = true, UserPassword = true },
            PreventUserExistenceErrors = true,
        });
        return (pool, client.UserPoolClientId);
    }

    private EventsApi CreateEventsApi(AppSyncChatOptions options)
    {
        var events = new EventsApi(this, "EventsApi", new EventsApiProps
        {
            Name = $"{StackName}-events",
            AuthProviders = [EventsAuthType.ApiKey, EventsAuthType.CognitoUserPools, EventsAuthType.Iam],
            CognitoUserPoolId = UserPool.UserPoolId,

            // Viewers connect with the API key or a Cognito token; IAM connections only for a signed WebSocket publisher.
            ConnectionAuthModes = [EventsAuthType.ApiKey, EventsAuthType.CognitoUserPools, EventsAuthType.Iam],
            DefaultPublishAuthModes = [EventsAuthType.Iam],
            DefaultSubscribeAuthModes = [EventsAuthType.ApiKey, EventsAuthType.CognitoUserPools],

            // Errors only (handler failures, rejected operations): enough to debug onSubscribe, cheap at volume.
            LogLevel = EventsLogLevel.Error,
            LogRetention = RetentionDays.ONE_MONTH,
        });

        EventsApiKey = events.AddApiKey("ApiKey", options.Now + ApiKeyExpiry.Maximum - TimeSpan.FromHours(1), "AppSyncChat viewers (subscribe only)");
        var ownership = events.AddDynamoDbReadDataSource("ConversationOwnership", "ConversationOwnership", Table);
        ChatNamespace = events.AddChannelNamespace("ChatNamespace", new ChannelNamespaceOptions
        {
            Name = ChatChannels.Namespace,
            SubscribeAuthModes = [EventsAuthType.ApiKey, EventsAuthType.CognitoUserPools],

            // Publish is IAM only: nobody but the Worker's role (appsync:EventPublish) can write to a conversation.
            PublishAuthModes = [EventsAuthType.Iam],
            CodeHandlers = ChatNamespaceHandlers.Build(),
            OnSubscribeDataSource = ownership,
        });
        return events;
    }

    private LambdaFunction CreateApiFunction(AppSyncChatOptions options)
    {
        var function = CreateFunction("ApiFunction", options.ApiAssetDirectory, options.ApiMemoryMb, options.ApiTimeout,
            "AppSyncChat GraphQL resolver (direct Lambda resolver for every root field).",
            ApiSettings(options, Table.TableName, Queue.QueueUrl));

        // What DynamoConversationStore calls for the Api: item reads/writes, message queries, and
        // DeleteItem to release an idempotency record whose enqueue failed.
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ConversationTable",
            Actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
            Resources = [Table.TableArn],
        }));
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "OwnerIndex",
            Actions = ["dynamodb:Query"],
            Resources = [$"{Table.TableArn}/index/{TableNames.ByOwnerIndex}"],
        }));
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "EnqueueTurns",
            Actions = ["sqs:SendMessage"],
            Resources = [Queue.QueueArn],
        }));
        return function;
    }

    private LambdaFunction CreateWorkerFunction(AppSyncChatOptions options)
    {
        var function = CreateFunction("WorkerFunction", options.WorkerAssetDirectory, options.WorkerMemoryMb, options.WorkerTimeout,
            "AppSyncChat streaming worker: Bedrock ConverseStream to AppSync Events.",
            new WorkerEnvironment
            {
                TableName = Table.TableName,
                DefaultModelId = options.ModelIds[0],
                DemoTools = options.DemoTools,
                EventsHttpEndpoint = Events.HttpEndpoint,
            }.Build());

        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ConversationTable",
            Actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
            Resources = [Table.TableArn],
        }));

        // What the SQS event source mapping does with the function's role (the actions of AWS's
        // AWSLambdaSQSQueueExecutionRole). The Worker code itself makes no SQS calls in Lambda.
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ConsumeTurns",
            Actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            Resources = [Queue.QueueArn],
        }));

        // The Worker only calls ConverseStream (IChatClient.GetStreamingResponseAsync); the non-streaming
        // Converse would need bedrock:InvokeModel as well.
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "InvokeConfiguredModels",
            Actions = ["bedrock:InvokeModelWithResponseStream"],
            Resources = options.ModelIds.SelectMany(model => BedrockModelArns.For(model, Partition, Region, Account)).Distinct().ToArray(),
        }));
        ChatNamespace.GrantPublish(function);

        var mapping = new EventSourceMapping(this, "WorkerQueueMapping", new EventSourceMappingProps
        {
            Target = function,
            EventSourceArn = Queue.QueueArn,
            BatchSize = options.WorkerBatchSize,
            ReportBatchItemFailures = true,
            MaxConcurrency = options.WorkerMaxConcurrency,
        });
        mapping.Node.AddDependency(function.Role!);
        return function;
    }

    private static Dictionary<string, string> ApiSettings(AppSyncChatOptions options, string tableName, string queueUrl) => new ApiEnvironment
    {
        TableName = tableName,
        QueueUrl = queueUrl,
        // The Api derives when a turn counts as abandoned from it (visibility + 60 s).
        QueueVisibilityTimeout = options.QueueVisibilityTimeout,
        RetentionDays = options.RetentionDays,
    }.Build();

    private LambdaFunction CreateFunction(string id, string assetDirectory, int memoryMb, TimeSpan timeout, string description, Dictionary<string, string> environment)
    {
        var logGroup = new LogGroup(this, $"{id}Logs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_MONTH,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        return new LambdaFunction(this, id, new FunctionProps
        {
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = Architecture.X86_64,
            Handler = HandlerName,
            Code = LambdaCode.FromAsset(assetDirectory),
            MemorySize = memoryMb,
            Timeout = Duration.Seconds(timeout.TotalSeconds),
            Description = description,
            Environment = environment,
            LoggingFormat = LoggingFormat.JSON,
            LogGroup = logGroup,
            Tracing = Tracing.ACTIVE,
        });
    }

    private GraphqlApi CreateGraphqlApi(AppSyncChatOptions options)
    {
        var api = new GraphqlApi(this, "GraphqlApi", new GraphqlApiProps
        {
            Name = $"{StackName}-graphql",
            // schema.graphql is copied next to the assembly from Contracts (the same text Schema.ReadText() embeds).
            Definition = Definition.FromFile(SchemaFile()),
            AuthorizationConfig = new AuthorizationConfig
            {
                DefaultAuthorization = new AuthorizationMode
                {
                    AuthorizationType = AuthorizationType.USER_POOL,
                    UserPoolConfig = new UserPoolConfig { UserPool = UserPool },
                },
                AdditionalAuthorizationModes =
                [
                    new AuthorizationMode
                    {
                        AuthorizationType = AuthorizationType.API_KEY,
                        ApiKeyConfig = new ApiKeyConfig
                        {
                            Description = "AppSyncChat explorer and anonymous clients",
                            Expires = Expiration.AtTimestamp(ApiKeyExpiry.ToEpochSeconds(options.Now + ApiKeyExpiry.Maximum - TimeSpan.FromHours(1)) * 1000d),
                        },
                    },
                    new AuthorizationMode { AuthorizationType = AuthorizationType.IAM },
                ],
            },
            XrayEnabled = true,
            QueryDepthLimit = GraphqlLimits.QueryDepthLimit,
            ResolverCountLimit = GraphqlLimits.ResolverCountLimit,
        });

        // Field errors to /aws/appsync/apis/<id> for 30 days (set on the L1 resource: see AppSyncLogTarget).
        var logs = new AppSyncLogTarget(api, "Logs", RetentionDays.ONE_MONTH);
        ((CfnGraphQLApi)api.Node.DefaultChild!).LogConfig = new CfnGraphQLApi.LogConfigProperty
        {
            CloudWatchLogsRoleArn = logs.Role.RoleArn,
            FieldLogLevel = "ERROR",
            ExcludeVerboseContent = true,
        };
        GraphqlLogGroup = logs.BindTo(api.ApiId);

        var resolverSource = api.AddLambdaDataSource("ApiResolver", ApiFunction, new DataSourceOptions
        {
            Description = "Direct Lambda resolver: the Api function receives AppSync's resolver event unchanged.",
        });
        foreach (var (typeName, fieldName) in RootFields.Read(Schema.ReadText()))
        {
            // No mapping templates and no code: AppSync invokes the function directly with the full context.
            resolverSource.CreateResolver($"{typeName}{char.ToUpperInvariant(fieldName[0])}{fieldName[1..]}Resolver", new BaseResolverProps
            {
                TypeName = typeName,
                FieldName = fieldName,
            });
        }

        return api;
    }

    private static string SchemaFile()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "schema.graphql");
        if (!File.Exists(path) || File.ReadAllText(path).ReplaceLineEndings("\n") != Schema.ReadText().ReplaceLineEndings("\n"))
        {
            throw new InvalidOperationException($"{path} is missing or differs from the schema embedded in AppSyncChat.Contracts; rebuild the Cdk project.");
        }

        return path;
    }

    private Topic CreateAlarms(AppSyncChatOptions options)
    {
        var topic = new Topic(this, "AlarmTopic", new TopicProps { DisplayName = "AppSyncChat alarms" });
        if (options.AlarmEmail is { } email)
        {
            topic.AddSubscription(new EmailSubscription(email));
        }

        var action = new SnsAction(topic);
        void Alarm(string id, IMetric metric, double threshold, string description)
        {
            var alarm = new Alarm(this, id, new AlarmProps
            {
                Metric = metric,
                Threshold = threshold,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                EvaluationPeriods = 1,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
                AlarmDescription = description,
            });
            alarm.AddAlarmAction(action);
        }

        var oneMinute = Duration.Minutes(1);
        Alarm("DeadLetterQueueDepthAlarm",
            DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = oneMinute, Statistic = "Maximum" }),
            0, "Turns reached the DLQ: a turn failed on every delivery. Inspect the message, fix, then redrive.");
        Alarm("WorkerErrorsAlarm",
            WorkerFunction.MetricErrors(new MetricOptions { Period = oneMinute, Statistic = "Sum" }),
            0, "The Worker invocation failed (crash or timeout), not a single reported record.");
        Alarm("WorkerThrottlesAlarm",
            WorkerFunction.MetricThrottles(new MetricOptions { Period = oneMinute, Statistic = "Sum" }),
            0, "The Worker was throttled: account concurrency is exhausted; turns wait in the queue.");
        Alarm("ApiErrorsAlarm",
            ApiFunction.MetricErrors(new MetricOptions { Period = oneMinute, Statistic = "Sum" }),
            0, "The GraphQL resolver function failed (unhandled error or timeout).");
        Alarm("TurnQueueAgeAlarm",
            Queue.MetricApproximateAgeOfOldestMessage(new MetricOptions { Period = oneMinute, Statistic = "Maximum" }),
            60, "A turn waited more than a minute for a Worker: raise workerMaxConcurrency or check the Worker.");
        return topic;
    }

    private void AddOutputs(AppSyncChatOptions options)
    {
        void Output(string name, string value, string description) =>
            _ = new CfnOutput(this, name, new CfnOutputProps { Value = value, Description = description });

        Output(OutputNames.Region, Region, "AWS region of every endpoint below.");
        Output(OutputNames.GraphqlUrl, GraphqlApi.GraphqlUrl, "AppSync GraphQL endpoint (POST).");
        Output(OutputNames.GraphqlApiKey, GraphqlApi.ApiKey!, "GraphQL API key (x-api-key); expires after about a year, redeploy to renew.");
        Output(OutputNames.EventsHttpEndpoint, Events.HttpEndpoint, "AppSync Events HTTP endpoint (publish; the host is the 'host' of every auth header).");
        Output(OutputNames.EventsRealtimeEndpoint, Events.RealtimeEndpoint, "AppSync Events WebSocket endpoint for subscriptions.");
        Output(OutputNames.EventsApiKey, EventsApiKey, "AppSync Events API key (subscribe only).");
        Output(OutputNames.UserPoolId, UserPool.UserPoolId, "Cognito user pool for AMAZON_COGNITO_USER_POOLS auth.");
        Output(OutputNames.UserPoolClientId, UserPoolClientId, "Cognito app client id (no secret).");
        Output(OutputNames.TableName, Table.TableName, "DynamoDB conversation table.");
        Output(OutputNames.QueueUrl, Queue.QueueUrl, "SQS turn queue.");
        Output(OutputNames.DeadLetterQueueUrl, DeadLetterQueue.QueueUrl, "SQS dead-letter queue of failed turns.");
        Output(OutputNames.AlarmTopicArn, AlarmTopic.TopicArn, "SNS topic the alarms notify.");
        Output(OutputNames.DefaultModelId, options.ModelIds[0], "Bedrock model the Worker uses when a request names none.");
    }
}
