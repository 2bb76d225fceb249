function (user, context, callback) {
  if (user.email_verified) {
    callback(null, user, context);
}
