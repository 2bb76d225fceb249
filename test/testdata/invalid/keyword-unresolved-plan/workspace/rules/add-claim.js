function (user, context, callback) {
  context.idToken["##CLAIM_NS##/plan"] = context.clientName;
  callback(null, user, context);
}
