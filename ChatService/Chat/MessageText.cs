namespace ChatService.Chat;

/// <summary>What a message's text must be, for a send and an edit alike.</summary>
internal static class MessageText
{
    public static void Require(string text, ChatOptions options)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ChatException.InvalidArgument("A message needs some text.");
        }

        if (!SafeText.FitsIn(text, options.MaxTextLength))
        {
            throw ChatException.InvalidArgument(
                $"The message is {SafeText.CodePoints(text)} characters (Unicode code points); the limit is {options.MaxTextLength}.");
        }
    }
}
